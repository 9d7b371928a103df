public import ArgumentParser
import CivicAPI
import CivicCore
import Foundation

/// The `civic` command: every job of the engine from the terminal, on SQLite or PostgreSQL.
public struct Civic: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "civic",
        abstract: "Run rule-of-law credit schemes: handbooks, reports, review cycles, an append-only ledger, explained scores.",
        discussion: """
            Every command works on one database (--database, default ./civic.db, or CIVIC_DATABASE): a SQLite file, or PostgreSQL as postgres://user:password@host:port/database.
            `civic migrate-store` moves a deployment from one to the other.
            Dates are ISO days (2026-03-31); --as-of sets today's date for replays and tests.
            Start with `civic demo`, then try `civic score SUBJECT --explain`.
            """,
        version: CivicVersion.number,
        subcommands: [
            DemoCommand.self, InitCommand.self, JurisdictionCommand.self, ActorCommand.self, HandbookCommand.self,
            SubjectCommand.self, ReportCommand.self, ReviewCommand.self, CycleCommand.self, RemedyCommand.self,
            CorrectCommand.self, NoticeCommand.self, AppealCommand.self, ScoreCommand.self, CheckCommand.self, ListCommand.self,
            StandingsCommand.self,
            ExportCommand.self, VerifyCommand.self, OversightCommand.self, PathCommand.self, CertificateCommand.self,
            ServeCommand.self, AccountCommand.self, TokenCommand.self, SharedKeyCommand.self,
            MigrateStoreCommand.self, LogCommand.self,
        ])

    public init() {}

    /// Runs the command line, mapping operating errors to a message on stderr and an exit code.
    public static func run(arguments: [String]? = nil) async -> Int32 {
        let words = arguments ?? Array(CommandLine.arguments.dropFirst())
        do {
            var command: any ParsableCommand
            do {
                command = try parseAsRoot(arguments)
            } catch {
                // A mistyped command word gets the likely command and the list, instead of "Unexpected argument".
                if exitCode(for: error) == .validationFailure, let suggestion = commandSuggestion(words) {
                    Terminal.error(suggestion)
                    return ExitCode.validationFailure.rawValue
                }
                throw error
            }
            // What a command writes to the access trail names the operating-system user who ran it; the
            // server's requests name their own callers, so `serve` runs without it.
            let actor = command is ServeCommand ? nil : CommandLineActor.named(operatingSystemUser())
            try await CommandLineActor.$current.withValue(actor) {
                if var asyncCommand = command as? any AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
            }
            return 0
        } catch let error as CivicError {
            Terminal.error("error: \(error)" + storageNote(error, arguments: words) + suggestionNote(error))
            return ExitCodes.code(for: error)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if !message.isEmpty {
                if code == .success { print(message) } else { Terminal.error(message) }
            }
            return code.rawValue
        }
    }
}

/// For a mistyped command word (`civic scroe`, `civic report fiel`): the command most likely meant and the
/// commands that exist at that level. Nil when the words name commands, or when a word that is not a command
/// may be a positional argument of a default subcommand and is not close to any command's name.
func commandSuggestion(_ arguments: [String]) -> String? {
    var command: any ParsableCommand.Type = Civic.self
    var path = ["civic"]
    for argument in arguments {
        if argument.hasPrefix("-") { return nil }
        let subcommands = command.configuration.subcommands
        if subcommands.isEmpty { return nil }
        if let next = subcommands.first(where: { $0._commandName == argument || $0.configuration.aliases.contains(argument) }) {
            command = next
            path.append(argument)
            continue
        }
        let names = subcommands.map { $0._commandName }
        let closest = Suggestions.closest(to: argument, in: names)
        if command.configuration.defaultSubcommand != nil, closest == nil { return nil }
        var text = "error: '\(argument)' is not a command of `\(path.joined(separator: " "))`"
        if let closest { text += "; did you mean `\((path + [closest]).joined(separator: " "))`?" }
        return text + "\ncommands: " + names.joined(separator: ", ") + "\nSee `\(path.joined(separator: " ")) --help`."
    }
    return nil
}

/// "Did you mean" for a name that does not exist (a measure, rule or jurisdiction), with the names that do.
func suggestionNote(_ error: CivicError) -> String {
    guard let suggestions = error.suggestions else { return "" }
    var note = ""
    if let closest = suggestions.closest { note += "; did you mean '\(closest)'?" }
    let shown = suggestions.known.prefix(24).joined(separator: ", ")
    if suggestions.known.isEmpty {
        note += "\nthere are none"
    } else {
        note += "\nknown: \(shown)" + (suggestions.known.count > 24 ? " and \(suggestions.known.count - 24) more" : "")
    }
    return note
}

/// The name of the operating-system user running `civic`: the password database's entry for the
/// effective user id, else `USER` or `LOGNAME` from the environment, else `uid-N`.
func operatingSystemUser() -> String {
    let uid = geteuid()
    if let entry = getpwuid(uid), let name = entry.pointee.pw_name, let text = String(validatingCString: name), !text.isEmpty {
        return text
    }
    let environment = ProcessInfo.processInfo.environment
    return environment["USER"] ?? environment["LOGNAME"] ?? "uid-\(uid)"
}

/// Names the database a storage failure happened in, when the message does not already: SQLite's
/// own text ("database or disk is full", "attempt to write a readonly database") says the cause but
/// not the file, and an operator with several databases needs both. PostgreSQL URLs lose their password.
func storageNote(_ error: CivicError, arguments: [String]) -> String {
    // The access database's failures say so themselves (`... in the access database`).
    guard error.code == .storage, !error.message.contains("access database") else { return "" }
    var database = ProcessInfo.processInfo.environment["CIVIC_DATABASE"] ?? "civic.db"
    for (index, argument) in arguments.enumerated() {
        if argument == "--database", index + 1 < arguments.count {
            database = arguments[index + 1]
        } else if argument.hasPrefix("--database=") {
            database = String(argument.dropFirst("--database=".count))
        }
    }
    guard let location = try? StoreLocation(database) else { return "" }
    let name = location.description
    return error.message.contains(name) ? "" : " (database: \(name))"
}

/// sysexits-style codes, so scripts can tell bad input from a refused request.
enum ExitCodes {
    static func code(for error: CivicError) -> Int32 {
        switch error.code {
        case .invalidInput: 65  // EX_DATAERR
        case .notFound: 66  // EX_NOINPUT
        case .conflict: 73  // EX_CANTCREAT: the id exists with other content
        case .refused: 77  // EX_NOPERM
        case .concurrentWrite: 75  // EX_TEMPFAIL
        case .corrupted: 70  // EX_SOFTWARE
        default: 74  // EX_IOERR
        }
    }
}
