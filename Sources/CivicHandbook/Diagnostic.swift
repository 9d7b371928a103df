/// One problem found in a handbook file, with where it is.
///
/// The description reads like a compiler's, so editors and terminals can jump to
/// it: `rongcheng.yaml:42:7: error: schemes[0].rules[3].category: ...`.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Hashable, Sendable {
        /// The handbook cannot be published until it is fixed.
        case error
        /// The handbook loads, but something is probably wrong or unfair.
        case warning
    }

    public var severity: Severity
    /// The file name as given to the loader.
    public var file: String
    /// 1-based line; 0 when the problem has no position (an empty file).
    public var line: Int
    /// 1-based column, counted in Unicode scalars as libYAML does.
    public var column: Int
    /// The field path, such as `schemes[0].rules[3].points`; empty for the document itself.
    public var path: String
    public var message: String
    /// The same message in Chinese, where the check publishes one (an operator may read either).
    public var messageZH: String?

    public init(severity: Severity, file: String, line: Int, column: Int, path: String, message: String, messageZH: String? = nil) {
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
        self.messageZH = messageZH
    }

    /// The message in `language` ("en" or "zh"); English where no Chinese text is published.
    public func message(in language: String) -> String { language == "zh" ? messageZH ?? message : message }

    public var isError: Bool { severity == .error }

    public var description: String {
        let location = "\(file):\(line):\(column)"
        return path.isEmpty ? "\(location): \(severity.rawValue): \(message)" : "\(location): \(severity.rawValue): \(path): \(message)"
    }
}

/// Thrown by `HandbookLoader.load` when a handbook has errors; carries every diagnostic, warnings included.
public struct HandbookError: Error, Hashable, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    public var errors: [Diagnostic] { diagnostics.filter(\.isError) }

    public var description: String {
        let count = errors.count
        return (diagnostics.map(\.description) + ["\(count) error\(count == 1 ? "" : "s")"]).joined(separator: "\n")
    }
}
