/// An operating error: what went wrong and where, never personal data.
///
/// Each boundary maps it once: the CLI to a message and an exit code, the
/// server (later) to an HTTP status and a problem document.
public struct CivicError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, RawRepresentable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The input is malformed or breaks a rule of the handbook.
        public static let invalidInput = Code(rawValue: "invalid-input")
        /// The thing named does not exist (or may not be seen).
        public static let notFound = Code(rawValue: "not-found")
        /// The id was already used for different content.
        public static let conflict = Code(rawValue: "conflict")
        /// The request is well formed but not allowed in this state (recusal, closed cycle).
        public static let refused = Code(rawValue: "refused")
        /// Someone else wrote first; the request can be retried.
        public static let concurrentWrite = Code(rawValue: "concurrent-write")
        /// The stored data breaks an invariant: a bug or tampering.
        public static let corrupted = Code(rawValue: "corrupted")
        /// The store failed underneath.
        public static let storage = Code(rawValue: "storage")
    }

    public var code: Code
    public var message: String
    /// Where: a file and line, a CSV row, a field.
    public var location: String?
    /// For a name that does not exist: the names that do, and the one most likely meant.
    public var suggestions: Suggestions?
    /// For a measure id that several schemes define and a question that named none: every measure it could
    /// mean. Interfaces list them in the reader's language.
    public var ambiguity: MeasureAmbiguity?

    public init(_ code: Code, _ message: String, at location: String? = nil) {
        self.code = code
        self.message = message
        self.location = location
    }

    public var description: String {
        if let location { return "\(location): \(message)" }
        return message
    }
}

/// A measure id that more than one current scheme defines, asked about without naming the scheme.
public struct MeasureAmbiguity: Hashable, Sendable {
    public struct Candidate: Hashable, Sendable {
        public var scheme: Scheme.ID
        /// The jurisdiction whose handbook defines the scheme.
        public var jurisdiction: Jurisdiction.ID
        /// The measure's title in that scheme.
        public var title: LocalizedText

        public init(scheme: Scheme.ID, jurisdiction: Jurisdiction.ID, title: LocalizedText) {
            self.scheme = scheme
            self.jurisdiction = jurisdiction
            self.title = title
        }
    }

    public var measure: Measure.ID
    /// Sorted by scheme id.
    public var candidates: [Candidate]

    public init(measure: Measure.ID, candidates: [Candidate]) {
        self.measure = measure
        self.candidates = candidates
    }
}
