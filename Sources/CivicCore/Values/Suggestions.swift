/// The names a person could have meant when they typed one that does not exist: a mistyped measure,
/// rule, jurisdiction or command. Interfaces turn it into "did you mean" in the reader's language;
/// the core only says which names exist and which is nearest.
public struct Suggestions: Hashable, Sendable {
    /// The valid name nearest to what was typed, when it is near enough to be the likely intent.
    public var closest: String?
    /// Every valid name, sorted.
    public var known: [String]

    public init(for word: String, among names: some Sequence<String>) {
        known = Array(Set(names)).sorted()
        closest = Suggestions.closest(to: word, in: known)
    }

    /// The candidate closest to a typo, if it is within a third of the word's length (at least 1, at most 3 edits).
    /// Ties go to the first candidate in the order given.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(word, candidate)
            if best == nil || distance < best!.distance { best = (candidate, distance) }
        }
        guard let best, best.distance <= max(1, min(3, word.count / 3)) else { return nil }
        return best.candidate
    }

    /// Edit distance counting an insertion, a deletion, a substitution or a swap of two neighbouring characters
    /// as one edit (optimal string alignment), case-insensitive, over characters: "fiel" is one edit from "file".
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var beforePrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], beforePrevious[j - 2] + 1)
                }
            }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[b.count]
    }
}

extension CivicError {
    /// A `notFound` error for a name that does not exist among `names`, carrying the names a reader may have meant.
    public static func unknown(_ message: String, _ word: String, among names: some Sequence<String>, at location: String? = nil) -> CivicError {
        var error = CivicError(.notFound, message, at: location)
        error.suggestions = Suggestions(for: word, among: names)
        return error
    }
}
