import ArgumentParser
import CivicCore
import CivicLog
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `civic log`: the transparency log over the ledger (see docs/transparency.md).
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "The transparency log: signed checkpoints, inclusion and consistency proofs, auditing and witnessing.",
        discussion: """
            Every record the ledger keeps (entries, reports with their evidence digests, decisions, notices, appeals and \
            their decisions, handbook publications, closed cycles, delivery attempts) is a leaf of an RFC 9162 Merkle tree. \
            Checkpoints of the tree are signed with the log's own Ed25519 key (DATABASE.log-key, mode 0600, made by \
            `civic log keygen`) in the C2SP signed-note format. Anyone holding an old checkpoint can check that today's log \
            extends it; a witness cosigns only checkpoints that do.
            """,
        subcommands: [Keygen.self, Key.self, CheckpointCommand.self, Prove.self, Consistency.self, Verify.self, Witness.self])

    struct KeyOptions: ParsableArguments {
        @Option(name: .customLong("log-key-file"), help: ArgumentHelp("The log's private key file; default: DATABASE.log-key.", valueName: "path"))
        var keyFile: String?

        /// The key file: `--log-key-file`, or in `--data-dir`, or beside a SQLite database file.
        func path(_ store: StoreOptions) throws -> String {
            if let keyFile { return keyFile }
            return try store.path(of: .logKey)
        }

        /// The signer, or nil when there is no key file (and none was named; a PostgreSQL database without
        /// `--data-dir` has no place for one).
        func loadIfPresent(_ store: StoreOptions) throws -> NoteSigner? {
            if keyFile == nil, store.dataDir == nil, case .postgres = try store.location { return nil }
            let path = try path(store)
            guard FileManager.default.fileExists(atPath: path) else {
                if keyFile != nil { throw CivicError(.notFound, "no log key at '\(path)'") }
                return nil
            }
            return try LogKeyFile.read(path)
        }

        func load(_ store: StoreOptions) throws -> NoteSigner {
            guard let signer = try loadIfPresent(store) else {
                throw CivicError(.notFound, "no log key at '\(try path(store))': run `civic log keygen` first, or pass --log-key-file")
            }
            return signer
        }
    }

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the log's signing key (refuses to replace one) and print its public key.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var keys: KeyOptions
        @Option(help: ArgumentHelp("The log's origin: a name no other log uses, such as a host and path.", valueName: "origin"))
        var origin = "civiccredit.example/ledger"

        func run() async throws {
            try store.createDataDirIfNeeded()
            let path = try keys.path(store)
            let signer = try LogKeyFile.create(path, origin: origin)
            print("created \(path) (mode 0600)")
            print("log public key: \(signer.verifier.vkey)")
        }
    }

    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the log's public key (a C2SP verifier key), for auditors and witnesses.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var keys: KeyOptions

        func run() async throws {
            print(try keys.load(store).verifier.vkey)
        }
    }

    struct CheckpointCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "checkpoint", abstract: "Sign and store a checkpoint of the log as it is now, and print it.",
            discussion: "If the latest checkpoint already covers every leaf, it is printed again and nothing is signed.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var keys: KeyOptions

        func run() async throws {
            let signer = try keys.load(store)
            let log = try await openLog(store)
            let checkpoint = try await log.checkpoint(signer: signer, at: Int64(Date().timeIntervalSince1970))
            print(checkpoint.note, terminator: "")
        }
    }

    struct Prove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the inclusion proof of a record (an entry by default) in the latest signed checkpoint.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The record's id (for an entry, its entry id).") var id: String
        @Option(help: ArgumentHelp("The kind of record: \(LoggedRecord.Kind.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "kind"))
        var kind = "entry"

        func run() async throws {
            guard let kind = LoggedRecord.Kind(rawValue: kind) else {
                throw CivicError(.invalidInput, "--kind: '\(kind)' is not one of \(LoggedRecord.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let log = try await openLog(store)
            guard let checkpoint = try await log.store.latestCheckpoint() else {
                throw CivicError(.notFound, "the log has no signed checkpoint yet: run `civic log checkpoint`")
            }
            let proof = try await log.inclusion(kind: kind, key: id, size: checkpoint.size)
            let document = ProofDocument(proof, checkpoint: checkpoint.note)
            if output.json { return try Terminal.printJSON(document) }
            print("\(kind.rawValue) '\(id)' is leaf \(proof.leaf.index) of \(proof.size); leaf hash \(proof.leaf.hash.base64)")
            print("proof (\(proof.proof.count) hashes):")
            for hash in proof.proof { print("  \(hash.base64)") }
            print("checked against this checkpoint:")
            print(checkpoint.note, terminator: "")
        }
    }

    struct Consistency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the consistency proof that the tree of NEW leaves extends the tree of OLD leaves.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The older tree size.") var old: UInt64
        @Argument(help: "The newer tree size.") var new: UInt64

        func run() async throws {
            let log = try await openLog(store)
            let proof = try await log.consistency(from: old, to: new)
            if output.json { return try Terminal.printJSON(ConsistencyDocument(from: old, to: new, proof: proof.map(\.base64))) }
            print("consistency proof from \(old) to \(new) (\(proof.count) hashes):")
            for hash in proof { print("  \(hash.base64)") }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that the log today extends a checkpoint saved earlier, trusting nothing the server says.",
            discussion: """
                Reads the saved checkpoint, fetches the log's current checkpoint and a consistency proof (from --log URL, or \
                from --database), checks the log's signature on both and the proof, and says "consistent" or exactly what \
                diverged (exit 70). With --save, the current checkpoint replaces the saved one when it is consistent.
                """)
        @Option(help: ArgumentHelp("The saved checkpoint (a signed note).", valueName: "file")) var checkpoint: String
        @Option(help: ArgumentHelp("The log's public key (vkey), or a file holding it.", valueName: "vkey")) var key: String
        @Option(help: ArgumentHelp("The server's base URL (https://host); without it, --database is read.", valueName: "url")) var log: String?
        @Option(help: ArgumentHelp("SQLite file or PostgreSQL URL, when not asking a server.", valueName: "database")) var database: String?
        @Flag(help: "Replace the saved checkpoint with the current one when it is consistent.") var save = false

        func run() async throws {
            let verifier = try readVerifier(key)
            let (saved, _) = try opened(try readText(checkpoint), key: verifier, what: "the saved checkpoint '\(checkpoint)'")
            let source = try await LogSource(url: log, database: database)
            let currentNote = try await source.checkpoint()
            let (current, _) = try opened(currentNote, key: verifier, what: "the log's current checkpoint")
            let proof = current.size > saved.size ? try await source.consistency(from: saved.size, to: current.size) : []
            do {
                try LogVerifier.check(saved: saved, new: current, proof: proof)
            } catch {
                Terminal.error("diverged: \(error)")
                throw ExitCode(70)
            }
            print("consistent: the log at \(current.size) leaves (root \(current.root.base64)) extends the saved checkpoint at \(saved.size)")
            if save {
                try Data(currentNote.utf8).write(to: URL(fileURLWithPath: checkpoint), options: .atomic)
                print("saved the current checkpoint to \(checkpoint)")
            }
        }
    }

    struct Witness: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Witness a log: cosign each new checkpoint that extends the last one seen, refuse any that does not.",
            discussion: """
                The state directory keeps the witness's own key (witness-key, mode 0600, made on first use), the log's public \
                key (log.vkey, from --log-key on first use) and the last checkpoint cosigned (checkpoint). Each round fetches \
                the log's checkpoint and a consistency proof from the last one, checks them, cosigns (C2SP tlog-cosignature) \
                and sends the cosignature to the log (POST /log/cosignatures). A checkpoint that is not consistent is refused \
                loudly (exit 70) and the saved state is kept as evidence. With --every, it keeps watching.
                """)
        @Option(help: ArgumentHelp("The log server's base URL.", valueName: "url")) var log: String
        @Option(help: ArgumentHelp("The witness's state directory.", valueName: "dir")) var state: String
        @Option(name: .customLong("log-key"), help: ArgumentHelp("The log's public key (vkey) or a file holding it; needed the first time.", valueName: "vkey"))
        var logKey: String?
        @Option(help: ArgumentHelp("The witness's name, when its key is made.", valueName: "name")) var name = "witness.civiccredit.example"
        @Option(help: ArgumentHelp("Seconds between rounds; without it, one round.", valueName: "seconds")) var every: Double?

        func run() async throws {
            let directory = URL(fileURLWithPath: state)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let keyPath = directory.appendingPathComponent("witness-key").path
            let signer: CosignatureSigner
            if FileManager.default.fileExists(atPath: keyPath) {
                signer = try LogKeyFile.readCosigner(keyPath)
            } else {
                signer = try LogKeyFile.createCosigner(keyPath, name: name)
                print("created \(keyPath) (mode 0600); witness public key: \(signer.verifier.vkey)")
            }
            let logKeyPath = directory.appendingPathComponent("log.vkey").path
            let verifier: NoteVerifier
            if FileManager.default.fileExists(atPath: logKeyPath) {
                verifier = try readVerifier(logKeyPath)
                if let logKey, try readVerifier(logKey) != verifier {
                    throw CivicError(.refused, "--log-key differs from the log key this witness already follows (\(logKeyPath))")
                }
            } else {
                guard let logKey else { throw CivicError(.invalidInput, "--log-key: the first round needs the log's public key") }
                verifier = try readVerifier(logKey)
                try Data((verifier.vkey + "\n").utf8).write(to: URL(fileURLWithPath: logKeyPath), options: .atomic)
            }
            let source = try await LogSource(url: log, database: nil)
            while true {
                try await round(source: source, verifier: verifier, signer: signer, directory: directory)
                guard let every else { return }
                try await Task.sleep(for: .seconds(every))
            }
        }

        private func round(source: LogSource, verifier: NoteVerifier, signer: CosignatureSigner, directory: URL) async throws {
            let savedPath = directory.appendingPathComponent("checkpoint").path
            let currentNote = try await source.checkpoint()
            let (current, _) = try opened(currentNote, key: verifier, what: "the log's checkpoint")
            if FileManager.default.fileExists(atPath: savedPath) {
                let (saved, _) = try opened(try readText(savedPath), key: verifier, what: "the saved checkpoint '\(savedPath)'")
                let proof = current.size > saved.size ? try await source.consistency(from: saved.size, to: current.size) : []
                do {
                    try LogVerifier.check(saved: saved, new: current, proof: proof)
                } catch {
                    let evidence = directory.appendingPathComponent("refused-\(Int(Date().timeIntervalSince1970))")
                    try? Data(currentNote.utf8).write(to: evidence)
                    Terminal.error("refused to cosign: \(error) (the refused checkpoint is kept in \(evidence.path))")
                    throw ExitCode(70)
                }
            }
            let cosignature = signer.cosign(current, at: UInt64(Date().timeIntervalSince1970))
            try await source.sendCosignature(cosignature.line)
            try Data(currentNote.utf8).write(to: URL(fileURLWithPath: savedPath), options: .atomic)
            print("cosigned \(current.origin) at \(current.size) leaves (root \(current.root.base64))")
        }
    }
}

/// The log over the store that `--database` names.
func openLog(_ store: StoreOptions) async throws -> TransparencyLog {
    try await openLog(at: store.location)
}

func openLog(at location: StoreLocation) async throws -> TransparencyLog {
    let opened = try await location.open()
    guard let logStore = opened as? any TransparencyLogStore else { throw CivicError(.storage, "this store keeps no transparency log") }
    return TransparencyLog(store: logStore)
}

/// Opens a checkpoint note with the log's key, naming which one failed.
private func opened(_ note: String, key: NoteVerifier, what: String) throws -> (Checkpoint, SignedNote) {
    do {
        return try LogVerifier.open(note, key: key)
    } catch {
        throw CivicError(.invalidInput, "\(what): \(error)")
    }
}

/// A vkey given inline, or the path of a file holding one.
func readVerifier(_ text: String) throws -> NoteVerifier {
    var vkey = text
    if FileManager.default.fileExists(atPath: text) { vkey = try readText(text).trimmingCharacters(in: .whitespacesAndNewlines) }
    do {
        return try NoteVerifier(vkey: vkey)
    } catch {
        throw CivicError(.invalidInput, "the log key is not a verifier key (name+hash+base64): \(error)")
    }
}

/// The log's key files: the C2SP private key text, readable by the owner only.
enum LogKeyFile {
    static func read(_ path: String) throws -> NoteSigner {
        do {
            return try NoteSigner(skey: try readText(path).trimmingCharacters(in: .whitespacesAndNewlines))
        } catch let error as CivicError {
            throw error
        } catch {
            throw CivicError(.invalidInput, "'\(path)' is not a log key file: \(error)")
        }
    }

    static func create(_ path: String, origin: String) throws -> NoteSigner {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw CivicError(.conflict, "a log key already exists at '\(path)'; checkpoints signed with it would no longer verify if it were replaced")
        }
        let signer: NoteSigner
        do { signer = try NoteSigner(name: origin) } catch { throw CivicError(.invalidInput, "--origin: \(error)") }
        try write(signer.skey, to: path)
        return signer
    }

    static func readCosigner(_ path: String) throws -> CosignatureSigner {
        do {
            return try CosignatureSigner(skey: try readText(path).trimmingCharacters(in: .whitespacesAndNewlines))
        } catch let error as CivicError {
            throw error
        } catch {
            throw CivicError(.invalidInput, "'\(path)' is not a witness key file: \(error)")
        }
    }

    static func createCosigner(_ path: String, name: String) throws -> CosignatureSigner {
        let signer: CosignatureSigner
        do { signer = try CosignatureSigner(name: name) } catch { throw CivicError(.invalidInput, "--name: \(error)") }
        try write(signer.skey, to: path)
        return signer
    }

    private static func write(_ text: String, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data((text + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CivicError(.storage, "cannot write the key to '\(path)'")
        }
    }
}

/// An inclusion proof as printed and served.
struct ProofDocument: Encodable {
    var kind: String
    var key: String
    var leafIndex: UInt64
    var leafHash: String
    var treeSize: UInt64
    var proof: [String]
    var checkpoint: String

    init(_ proof: InclusionProof, checkpoint: String) {
        kind = proof.leaf.kind.rawValue
        key = proof.leaf.key
        leafIndex = proof.leaf.index
        leafHash = proof.leaf.hash.base64
        treeSize = proof.size
        self.proof = proof.proof.map(\.base64)
        self.checkpoint = checkpoint
    }
}

struct ConsistencyDocument: Codable {
    var from: UInt64
    var to: UInt64
    var proof: [String]
}

/// Where `civic log verify` and the witness read a log: a server's public routes, or a database.
struct LogSource: Sendable {
    let base: URL?
    /// The log read straight from a database, opened once.
    let local: TransparencyLog?

    init(url: String?, database: String?) async throws {
        if let url {
            guard let base = URL(string: url), base.scheme == "http" || base.scheme == "https", base.host != nil else {
                throw CivicError(.invalidInput, "--log: '\(url)' is not an http(s) URL")
            }
            self.base = base
            local = nil
        } else if let database {
            base = nil
            local = try await openLog(at: StoreLocation(database))
        } else {
            throw CivicError(.invalidInput, "name the log with --log URL or --database")
        }
    }

    func checkpoint() async throws -> String {
        guard let local else { return try await get("log/checkpoint") }
        guard let note = try await local.publishedCheckpoint() else { throw CivicError(.notFound, "the log has no signed checkpoint yet") }
        return note
    }

    func consistency(from old: UInt64, to new: UInt64) async throws -> [LogHash] {
        if let local { return try await local.consistency(from: old, to: new) }
        let text = try await get("log/consistency?from=\(old)&to=\(new)")
        guard let document = try? JSONDecoder().decode(ConsistencyDocument.self, from: Data(text.utf8)) else {
            throw CivicError(.invalidInput, "the log's consistency proof is not the expected JSON")
        }
        guard document.from == old, document.to == new else {
            throw CivicError(.invalidInput, "the log answered a proof from \(document.from) to \(document.to), not from \(old) to \(new)")
        }
        return try document.proof.enumerated().map { offset, text in
            guard let hash = LogHash(base64: text) else { throw CivicError(.invalidInput, "hash \(offset + 1) of the consistency proof is not 32 bytes of base64") }
            return hash
        }
    }

    func sendCosignature(_ line: String) async throws {
        guard let base else { throw CivicError(.invalidInput, "a witness sends cosignatures to a server: name it with --log") }
        var request = URLRequest(url: base.appendingPathComponent("log/cosignatures"))
        request.httpMethod = "POST"
        request.setValue("text/plain; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data((line + "\n").utf8)
        let (status, body) = try await Self.send(request)
        guard (200..<300).contains(status) else {
            throw CivicError(.refused, "the log refused the cosignature (HTTP \(status)): \(body.prefix(300))")
        }
    }

    private func get(_ path: String) async throws -> String {
        guard let base, let url = URL(string: path, relativeTo: base.absoluteString.hasSuffix("/") ? base : base.appendingPathComponent("")) else {
            throw CivicError(.invalidInput, "cannot build the URL for \(path)")
        }
        let (status, body) = try await Self.send(URLRequest(url: url))
        guard status == 200 else { throw CivicError(.storage, "GET \(url.absoluteString) answered HTTP \(status): \(body.prefix(300))") }
        return body
    }

    private static func send(_ request: URLRequest) async throws -> (Int, String) {
        try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(throwing: CivicError(.storage, "\(request.url?.absoluteString ?? "?"): \(error.localizedDescription)"))
                    return
                }
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                continuation.resume(returning: (status, String(decoding: data ?? Data(), as: UTF8.self)))
            }.resume()
        }
    }
}
