import Foundation

/// The passwords people choose most often (ASVS V2.1.7): a new password found here is refused, since
/// it is among the first an attacker tries. The list (`Resources/common-passwords.txt`, 30,000 lines
/// from zxcvbn's leaked-password frequency list; its first lines name the source and licence) is read
/// once, on first use, and compared in lower case.
public enum CommonPasswords {
    static let list: Set<String> = {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt", subdirectory: "Resources")
                ?? Bundle.module.url(forResource: "common-passwords", withExtension: "txt"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            preconditionFailure("the list of common passwords is missing from the CivicAPI resources")
        }
        let words = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
        precondition(words.count >= 10_000, "the list of common passwords holds only \(words.count) lines")
        return Set(words)
    }()

    /// How many passwords the list holds.
    public static var count: Int { list.count }

    public static func contains(_ password: String) -> Bool {
        list.contains(password.lowercased())
    }
}
