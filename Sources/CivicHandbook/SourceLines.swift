/// A handbook's text cut into lines as YAML counts them, so that a diagnostic's line number and the line a
/// person sees numbered on the lint page are the same line. YAML (libyaml, which reads every handbook) ends
/// a line at LF, CR LF, a lone CR, NEL (U+0085), and the line and paragraph separators (U+2028, U+2029);
/// Swift's `isNewline` would also count vertical tab and form feed, which YAML does not.
public enum SourceLines {
    public static func isBreak(_ character: Character) -> Bool {
        switch character {
        case "\n", "\r\n", "\r", "\u{85}", "\u{2028}", "\u{2029}": true
        default: false
        }
    }

    /// The lines of `text`, without their breaks; a text ending with a break has an empty last line, as an editor shows it.
    public static func split(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: isBreak)
    }
}
