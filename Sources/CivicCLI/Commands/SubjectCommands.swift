import ArgumentParser
import CivicCore
import Foundation

struct SubjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subject", abstract: "Register subjects (persons, households, organisations) one by one or from CSV.",
        subcommands: [Add.self, Import.self, Show.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register one subject.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Id (never a national identity number).") var id: String
        @Option(help: "person, household or organisation.") var kind: String
        @Option(help: "Name.") var name: String
        @Option(help: "Jurisdiction id.") var jurisdiction: String
        @Option(help: "Household id, for a person.") var household: String?
        @Option(help: "Birth date (YYYY-MM-DD), for age exemptions.") var born: String?
        @Option(help: "Comma-separated attributes exemptions can name (carer, disability).") var attributes: String?
        @Option(help: "Registration day; defaults to today.") var registered: String?

        func run() async throws {
            let engine = try await store.engine()
            let subject = try SubjectFields(
                id: id, kind: kind, name: name, jurisdiction: jurisdiction, household: household, born: born,
                attributes: attributes, registered: registered
            ).subject(today: try store.today())
            let result = try await engine.addSubjects(
                try await keepingRegistration([subject], explicit: registered == nil ? [] : [id], store: engine.store))
            print("\(result.recorded == 1 ? "recorded" : "unchanged"): subject '\(subject.id)'")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register subjects from a CSV file, all or none.",
            discussion: "Header: id,kind,name,jurisdiction,household,birth_date,attributes,registered_on (attributes separated by ';'). Households must come before or alongside their members.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "CSV file.") var file: String

        func run() async throws {
            let engine = try await store.engine()
            let today = try store.today()
            let rows = try CSVTable.read(file, required: ["id", "kind", "name", "jurisdiction"],
                                          optional: ["household", "birth_date", "attributes", "registered_on"])
            let subjects = try rows.map { row throws(CivicError) in
                try located("\(file):\(row.line)") { () throws(CivicError) in
                    try SubjectFields(
                        id: row.required("id"), kind: row.required("kind"), name: row.required("name"),
                        jurisdiction: row.required("jurisdiction"),
                        household: row["household"], born: row["birth_date"], attributes: row["attributes"]?.replacingOccurrences(of: ";", with: ","),
                        registered: row["registered_on"]
                    ).subject(today: today)
                }
            }
            let explicit = Set(rows.filter { $0["registered_on"] != nil }.compactMap { $0["id"] })
            let result = try await engine.addSubjects(
                try await keepingRegistration(subjects, explicit: explicit, store: engine.store), progress: Terminal.progress("import"))
            Terminal.endProgress()
            print("imported \(file): \(result.recorded) new, \(result.unchanged) unchanged")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a subject's record and reports.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Subject id.") var id: String

        func run() async throws {
            let engine = try await store.engine()
            let subjectID: Subject.ID = try identifier(id, field: "SUBJECT")
            guard let subject = try await engine.store.subject(subjectID) else { throw CivicError(.notFound, "no subject '\(subjectID)'") }
            let members = subject.kind == .household ? try await engine.store.members(of: subjectID) : []
            let reports = try await engine.store.reports(subject: subjectID)
            if output.json {
                struct Shown: Encodable { var subject: Subject; var members: [Subject]; var reports: [ReportRecord] }
                return try Terminal.printJSON(Shown(subject: subject, members: members, reports: reports))
            }
            print("\(subject.id)  \(subject.kind.rawValue)  \(subject.name)  jurisdiction \(subject.jurisdiction)")
            if let household = subject.household { print("household: \(household)") }
            if let born = subject.birthDate { print("born: \(born)") }
            if !subject.attributes.isEmpty { print("attributes: \(subject.attributes.sorted().joined(separator: ", "))") }
            if !members.isEmpty { print("members: \(members.map(\.id.rawValue).joined(separator: ", "))") }
            print("\nreports (\(reports.count)):")
            print(Terminal.table(["report", "cycle", "rule", "by", "status"], reports.map {
                [$0.report.id.rawValue + ($0.report.isSelfClaim ? " (self-claim)" : ""), $0.report.cycle.description,
                 $0.report.rule.rawValue, "\($0.report.reporter) (\($0.report.reporterRole.rawValue))", $0.status.rawValue]
            }))
        }
    }
}

/// A subject registered again without a registration day keeps the day it was first registered, so
/// repeating `subject add` or an import tomorrow is a no-op rather than a conflict.
func keepingRegistration(_ subjects: [Subject], explicit: Set<String>, store: any Store) async throws -> [Subject] {
    let stored = Dictionary(uniqueKeysWithValues: try await store.subjects(subjects.map(\.id)).map { ($0.id, $0.registeredOn) })
    return subjects.map { subject in
        var subject = subject
        if !explicit.contains(subject.id.rawValue), let day = stored[subject.id] { subject.registeredOn = day }
        return subject
    }
}

/// Subject fields as text, checked one by one with the field named in every error.
struct SubjectFields {
    var id, kind, name, jurisdiction: String
    var household, born, attributes, registered: String?

    func subject(today: Day) throws(CivicError) -> Subject {
        guard let kind = SubjectKind(rawValue: kind) else {
            throw CivicError(.invalidInput, "kind: '\(kind)' is not one of \(SubjectKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let attributes = Set((attributes ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        return Subject(
            id: try identifier(id, field: "id"), kind: kind, name: name.trimmingCharacters(in: .whitespaces),
            jurisdiction: try identifier(jurisdiction, field: "jurisdiction"),
            household: try household.flatMap { $0.isEmpty ? nil : $0 }.map { text throws(CivicError) in try identifier(text, field: "household") },
            birthDate: try born.flatMap { $0.isEmpty ? nil : $0 }.map { text throws(CivicError) in try parseDay(text, field: "birth_date") },
            attributes: attributes,
            registeredOn: try registered.flatMap { $0.isEmpty ? nil : $0 }.map { text throws(CivicError) in try parseDay(text, field: "registered_on") } ?? today)
    }
}
