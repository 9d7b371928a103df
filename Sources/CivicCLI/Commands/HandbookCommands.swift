import ArgumentParser
import CivicCore
import CivicDemo
import CivicHandbook
import Foundation

struct HandbookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handbook", abstract: "Check, show, compare and publish rule handbooks (YAML; see docs/handbook.md).",
        subcommands: [Lint.self, Show.self, Diff.self, Publish.self, Preview.self, Bundled.self])

    struct Lint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Report every problem in handbook files with file, line and field; exit non-zero on any error.")
        @OptionGroup var output: OutputOptions
        @Argument(help: "Handbook files.") var files: [String]

        func run() async throws {
            var errors = 0, warnings = 0
            var all: [Diagnostic] = []
            for file in files {
                let diagnostics = HandbookLoader.lint(try readText(file), file: file)
                all += diagnostics
                errors += diagnostics.filter(\.isError).count
                warnings += diagnostics.filter { !$0.isError }.count
            }
            if output.json {
                try Terminal.printJSON(all.map { ["severity": $0.severity.rawValue, "file": $0.file, "line": "\($0.line)", "column": "\($0.column)", "path": $0.path, "message": $0.message] })
            } else {
                for diagnostic in all { print(diagnostic) }
                print("\(files.count) file(s): \(errors) error(s), \(warnings) warning(s)")
            }
            if errors > 0 { throw ExitCode(65) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a handbook file, or the published handbook of a jurisdiction.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "A handbook file; omit it to show the published one.") var file: String?
        @Option(help: ArgumentHelp("A bundled handbook instead of a file (`civic handbook bundled` lists them).", valueName: "name")) var bundled: String?
        @Option(help: "Jurisdiction whose published handbook to show.") var jurisdiction: String?
        @Option(help: "Published version; defaults to the newest.") var version: Int?

        func run() async throws {
            let handbook: Handbook
            if file != nil || bundled != nil {
                let (name, text) = try handbookSource(file: file, bundled: bundled)
                handbook = try loadHandbook(name, text: text)
            } else {
                guard let jurisdiction else { throw CivicError(.invalidInput, "give a FILE, --bundled NAME or --jurisdiction") }
                let set = try await store.engine().handbooks()
                let id: Jurisdiction.ID = try identifier(jurisdiction, field: "--jurisdiction")
                if let version {
                    guard let found = set.version(version, of: id) else { throw CivicError(.notFound, "no version \(version) of '\(id)'s handbook") }
                    handbook = found
                } else {
                    guard let found = set.current(for: id)?.handbook else { throw CivicError(.notFound, "no handbook published for '\(id)'") }
                    handbook = found
                }
            }
            if output.json { return try Terminal.printJSON(handbook) }
            print(HandbookRenderer.render(handbook))
        }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Compare two handbook files: what a new version adds, removes and changes.")
        @Argument(help: "The old handbook file.") var old: String
        @Argument(help: "The new handbook file.") var new: String

        func run() async throws {
            let diff = HandbookDiff(from: try loadHandbook(old), to: try loadHandbook(new))
            print(diff)
        }
    }

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a handbook file as the next version of its jurisdiction's handbook.",
            discussion: """
                The file's version must be one more than the last published. Past entries keep the version they were recorded under.
                --bundled publishes one of the handbooks that come with CivicCredit (`civic handbook bundled` lists them) onto the \
                jurisdiction it names, which must be registered first (docs/schemes.md).
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "Handbook file.") var file: String?
        @Option(help: ArgumentHelp("A bundled handbook instead of a file, e.g. dongdao-lu-jia.yaml.", valueName: "name")) var bundled: String?
        @Option(help: "Publishing administrator's actor id.") var by: String

        func run() async throws {
            let (name, text) = try handbookSource(file: file, bundled: bundled)
            let engine = try await store.engine()
            let handbook = try loadHandbook(name, text: text)
            let result = try await engine.publish(handbook, source: text, by: try identifier(by, field: "--by"))
            print("\(result.rawValue): handbook '\(handbook.jurisdiction)' version \(handbook.version) (\(handbook.schemes.count) scheme(s), \(handbook.schemes.reduce(0) { $0 + $1.rules.count }) rule(s))")
        }
    }

    struct Bundled: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the handbooks that come with CivicCredit: the demo's and the other reported schemes (docs/schemes.md).",
            discussion: "Publish one with `civic handbook publish --bundled FILE --by ADMIN` once its jurisdiction is registered.")
        @OptionGroup var output: OutputOptions

        func run() async throws {
            struct Row: Encodable { var file: String; var jurisdiction: String; var version: Int; var schemes: [String]; var title: LocalizedText; var inDemo: Bool }
            var rows: [Row] = []
            for file in try DemoHandbooks.bundledFiles() {
                let handbook = try loadHandbook(file, text: try DemoHandbooks.text(file))
                rows.append(Row(file: file, jurisdiction: handbook.jurisdiction.rawValue, version: handbook.version,
                                schemes: handbook.schemes.map(\.id.rawValue), title: handbook.title, inDemo: DemoHandbooks.files.contains(file)))
            }
            if output.json { return try Terminal.printJSON(rows) }
            print(Terminal.table(["file", "jurisdiction", "version", "schemes", "demo", "title"], rows.map {
                [$0.file, $0.jurisdiction, "\($0.version)", $0.schemes.joined(separator: ", "), $0.inDemo ? "yes" : "no", "\($0.title.en) / \($0.title.zh)"]
            }))
            print("\(rows.count) bundled handbook(s); publish one with: civic handbook publish --bundled FILE --by ADMIN")
        }
    }
}

/// The name and text of a handbook given as a file or as a bundled handbook's name, exactly one of the two.
func handbookSource(file: String?, bundled: String?) throws(CivicError) -> (name: String, text: String) {
    switch (file, bundled) {
    case (let file?, nil):
        return (file, try readText(file))
    case (nil, let bundled?):
        do {
            let name = bundled.hasSuffix(".yaml") ? bundled : bundled + ".yaml"
            return (name, try DemoHandbooks.text(bundled))
        } catch let error as CivicError {
            throw CivicError(error.code, error.message, at: "--bundled")
        } catch {
            throw CivicError(.corrupted, "the bundled handbook '\(bundled)' cannot be read: \(error)", at: "--bundled")
        }
    case (nil, nil):
        throw CivicError(.invalidInput, "give a handbook FILE or --bundled NAME (`civic handbook bundled` lists them)")
    case (.some, .some):
        throw CivicError(.invalidInput, "give either a handbook FILE or --bundled NAME, not both")
    }
}

func readText(_ path: String) throws(CivicError) -> String {
    try InputFile.text(path)
}

/// Loads a handbook file, turning lint errors into one operating error that lists them all.
func loadHandbook(_ path: String, text: String? = nil) throws(CivicError) -> Handbook {
    let source: String
    if let text { source = text } else { source = try readText(path) }
    let result = HandbookLoader.parse(source, file: path)
    guard let handbook = result.handbook, !result.hasErrors else {
        throw CivicError(.invalidInput, "the handbook has \(result.errors.count) error(s):\n" + result.errors.map(\.description).joined(separator: "\n"))
    }
    for warning in result.warnings { Terminal.error(warning.description) }
    return handbook
}
