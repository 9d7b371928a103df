import ArgumentParser
import CivicCore
import Foundation

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the database: storage integrity, a gapless append-only ledger, and every stored standing equal to a fresh fold.",
        discussion: "Read-only; exits 70 if anything is wrong. Auditors run it to see that nothing was altered unseen.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let engine = try await store.engine()
        let problems = try await integrityProblems(engine.store)
        let report = try await engine.verifyStandings(progress: Terminal.progress("verify"))
        Terminal.endProgress()
        if output.json {
            struct Result: Encodable { var storageProblems: [String]; var standings: VerificationReport }
            try Terminal.printJSON(Result(storageProblems: problems, standings: report))
        } else {
            print("storage: " + (problems.isEmpty ? "ok (integrity check, gapless ledger, append-only triggers)" : "\(problems.count) problem(s)"))
            for problem in problems { print("  \(problem)") }
            print("standings: \(report.standingsChecked) checked against a fresh fold of \(report.entriesRead) entries, \(report.mismatches.count) mismatch(es)")
            for mismatch in report.mismatches {
                print("  \(mismatch.subject) \(mismatch.scheme) on \(mismatch.asOf): stored \(mismatch.stored), ledger says \(mismatch.folded)")
            }
        }
        if !problems.isEmpty || !report.mismatches.isEmpty { throw ExitCode(70) }
    }
}
