import CivicCore
import Foundation

/// Output to the terminal: data on stdout, messages and progress on stderr.
enum Terminal {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    static let isInteractive = isatty(STDERR_FILENO) == 1

    /// A progress handler that redraws one line on a terminal and prints a line per tenth otherwise.
    static func progress(_ label: String) -> ProgressHandler {
        let state = ProgressState()
        return { progress in
            let total = progress.total.map { "/\($0)" } ?? ""
            let line = "\(label): \(progress.phase) \(progress.done)\(total)"
            if isInteractive {
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
            } else if state.shouldPrint(progress) {
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
    }

    static func endProgress() {
        if isInteractive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        print(String(decoding: data, as: UTF8.self))
    }

    /// A plain text table with columns padded to their widest cell (counting CJK as two columns).
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for row in all { for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], displayWidth(cell)) } }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - displayWidth(cell))
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 && ($1.properties.isIdeographic || (0x3000...0xFFEF).contains($1.value)) ? 2 : 1) }
    }
}

/// Remembers which tenth of a job was last printed; progress arrives from one task at a time.
final class ProgressState: @unchecked Sendable {
    private let lock = NSLock()
    private var lastTenth: [String: Int] = [:]

    func shouldPrint(_ progress: CivicCore.Progress) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let total = progress.total, total > 0 else { return true }
        let tenth = progress.done * 10 / total
        if lastTenth[progress.phase] == tenth { return false }
        lastTenth[progress.phase] = tenth
        return true
    }
}
