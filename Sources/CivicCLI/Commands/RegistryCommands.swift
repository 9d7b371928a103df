import ArgumentParser
import CivicCore
import Foundation

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new database with its top jurisdiction and first administrator.")

    @OptionGroup var store: StoreOptions
    @Option(help: "Id of the top jurisdiction (a city, a county, a regulator).") var jurisdiction: String
    @Option(name: .customLong("name-en"), help: "Its name in English.") var nameEnglish: String
    @Option(name: .customLong("name-zh"), help: "Its name in Chinese.") var nameChinese: String
    @Option(help: "Id of the first administrator.") var admin: String = "admin"
    @Option(name: .customLong("admin-name"), help: "The administrator's name.") var adminName: String = "Administrator"

    func run() async throws {
        let location = try store.location
        if case .sqlite(let path) = location, FileManager.default.fileExists(atPath: path) {
            throw CivicError(.conflict, "'\(path)' already exists; `civic init` only creates a new database")
        }
        let jurisdictionID: Jurisdiction.ID = try identifier(jurisdiction, field: "--jurisdiction")
        let adminID: Actor.ID = try identifier(admin, field: "--admin")
        let engine = try await store.engine(creating: true)
        if case .postgres = location, try await !isEmpty(engine.store) {
            throw CivicError(.conflict, "\(location) already holds data; `civic init` only starts an empty database")
        }
        _ = try await engine.register(Jurisdiction(id: jurisdictionID, name: LocalizedText(en: nameEnglish, zh: nameChinese)))
        _ = try await engine.addActor(Actor(id: adminID, name: adminName, roles: [.administrator], jurisdiction: jurisdictionID))
        print("created \(location) with jurisdiction '\(jurisdictionID)' and administrator '\(adminID)'")
        print("next: civic handbook lint FILE, then civic handbook publish FILE --by \(adminID)")
    }
}

struct JurisdictionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jurisdiction", abstract: "Add or list jurisdictions (cities, villages; they nest).",
        subcommands: [Add.self, List.self], defaultSubcommand: List.self)

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a jurisdiction under a parent.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Id of the new jurisdiction.") var id: String
        @Option(name: .customLong("name-en")) var nameEnglish: String
        @Option(name: .customLong("name-zh")) var nameChinese: String
        @Option(help: "The jurisdiction it belongs to.") var parent: String?

        func run() async throws {
            let engine = try await store.engine()
            let jurisdiction = Jurisdiction(
                id: try identifier(id, field: "--id"), name: LocalizedText(en: nameEnglish, zh: nameChinese),
                parent: try parent.map { text throws(CivicError) in try identifier(text, field: "--parent") })
            let result = try await engine.register(jurisdiction)
            print("\(result.rawValue): jurisdiction '\(jurisdiction.id)'")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List jurisdictions.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let jurisdictions = try await store.engine().store.jurisdictions()
            if output.json { return try Terminal.printJSON(jurisdictions) }
            print(Terminal.table(["id", "parent", "name", "名称"], jurisdictions.map {
                [$0.id.rawValue, $0.parent?.rawValue ?? "-", $0.name.en, $0.name.zh]
            }))
        }
    }
}

struct ActorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "actor", abstract: "Add or list the people and feeds who act: assessors, reviewers, authorities, administrators.",
        subcommands: [Add.self, List.self], defaultSubcommand: List.self)

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an actor.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Id of the actor.") var id: String
        @Option(help: "Name.") var name: String
        @Option(help: "Comma-separated roles: \(Actor.Role.allCases.map(\.rawValue).joined(separator: ", ")).") var roles: String
        @Option(help: "The jurisdiction the actor works in.") var jurisdiction: String
        @Option(help: "The actor's own subject record, if they are rated too (needed for recusal).") var subject: String?

        func run() async throws {
            let engine = try await store.engine()
            var parsed = Set<Actor.Role>()
            for text in roles.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard let role = Actor.Role(rawValue: text) else {
                    throw CivicError(.invalidInput, "--roles: unknown role '\(text)' (one of \(Actor.Role.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                parsed.insert(role)
            }
            guard !parsed.isEmpty else { throw CivicError(.invalidInput, "--roles: give at least one role") }
            let actor = Actor(
                id: try identifier(id, field: "--id"), name: name, roles: parsed,
                jurisdiction: try identifier(jurisdiction, field: "--jurisdiction"),
                subject: try subject.map { text throws(CivicError) in try identifier(text, field: "--subject") })
            print("\(try await engine.addActor(actor).rawValue): actor '\(actor.id)'")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List actors.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let actors = try await store.engine().store.actors()
            if output.json { return try Terminal.printJSON(actors) }
            print(Terminal.table(["id", "roles", "jurisdiction", "subject", "name"], actors.map {
                [$0.id.rawValue, $0.roles.map(\.rawValue).sorted().joined(separator: ","), $0.jurisdiction.rawValue,
                 $0.subject?.rawValue ?? "-", $0.name]
            }))
        }
    }
}
