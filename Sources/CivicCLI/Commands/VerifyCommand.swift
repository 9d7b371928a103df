import ArgumentParser
import CivicCore
import CivicLog
import Foundation

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the database: storage integrity, a gapless append-only ledger, the transparency log against every signed checkpoint, and every stored standing equal to a fresh fold.",
        discussion: """
            Read-only; exits 70 if anything is wrong. Auditors run it to see that nothing was altered unseen: every record \
            is hashed again from its stored bytes and compared with its leaf, and the root recomputed from the leaves is \
            compared with every stored checkpoint, whose signature is checked with the log's key (DATABASE.log-key, or \
            --log-public-key). Someone who edits, deletes, reorders or cuts off records, even after dropping the triggers \
            and recomputing the standings, is caught unless they can also sign with the log's key; checkpoints saved by \
            others (`civic log verify`) and witnesses catch even that.
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var keys: LogCommand.KeyOptions
    @Option(name: .customLong("log-public-key"), help: ArgumentHelp("The log's public key (vkey) or a file holding it, instead of the key file.", valueName: "vkey"))
    var logPublicKey: String?

    func run() async throws {
        let engine = try await store.engine()
        let problems = try await integrityProblems(engine.store)
        var logAudit: LogAudit?
        if let logStore = engine.store as? any TransparencyLogStore {
            let verifier = try logPublicKey.map(readVerifier) ?? keys.loadIfPresent(store)?.verifier
            logAudit = try await LogAuditor(store: logStore, verifier: verifier).audit(progress: Terminal.progress("log"))
            Terminal.endProgress()
        }
        let report = try await engine.verifyStandings(progress: Terminal.progress("verify"))
        Terminal.endProgress()
        if output.json {
            struct Result: Encodable { var storageProblems: [String]; var log: LogAudit?; var standings: VerificationReport }
            try Terminal.printJSON(Result(storageProblems: problems, log: logAudit, standings: report))
        } else {
            print("storage: " + (problems.isEmpty ? "ok (integrity check, gapless ledger, append-only triggers)" : "\(problems.count) problem(s)"))
            for problem in problems { print("  \(problem)") }
            if let logAudit {
                let signatures = logAudit.signaturesUnchecked ? "signatures not checked: no log key" : "signatures checked"
                print("log: \(logAudit.leaves) leaves, root \(logAudit.root), \(logAudit.checkpointsChecked) checkpoint(s) (\(signatures)), \(logAudit.problems.count) problem(s)")
                for problem in logAudit.problems { print("  \(problem)") }
            }
            print("standings: \(report.standingsChecked) checked against a fresh fold of \(report.entriesRead) entries, \(report.mismatches.count) mismatch(es)")
            for mismatch in report.mismatches {
                print("  \(mismatch.subject) \(mismatch.scheme) on \(mismatch.asOf): stored \(mismatch.stored), ledger says \(mismatch.folded)")
            }
        }
        if !problems.isEmpty || !report.mismatches.isEmpty || !(logAudit?.problems.isEmpty ?? true) { throw ExitCode(70) }
    }
}
