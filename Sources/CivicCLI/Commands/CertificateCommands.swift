import ArgumentParser
import CivicCertificates
import CivicCore
import CivicLog
import Foundation

struct CertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificate",
        abstract: "Issue and verify signed rating certificates (Ed25519).",
        discussion: """
            A certificate states a subject's grade and score in one scheme on one day, with the masked name, and is valid \
            for 90 days unless --valid-days says otherwise. It travels as one line, CC1.<content>.<signature>. The issuer's \
            key lives in a file next to the database (DATABASE.certificate-key, mode 0600) unless --key-file names another.
            """,
        subcommands: [Keygen.self, Key.self, Issue.self, Verify.self])

    struct KeyOptions: ParsableArguments {
        @Option(name: .customLong("key-file"), help: ArgumentHelp("The issuer's private key file; default: DATABASE.certificate-key.", valueName: "path"))
        var keyFile: String?

        /// The key file: `--key-file`, or in `--data-dir`, or beside a SQLite database file.
        func path(_ store: StoreOptions) throws -> String {
            if let keyFile { return keyFile }
            return try store.path(of: .certificateKey)
        }

        func load(_ store: StoreOptions) throws -> CertificateSigningKey {
            let path = try path(store)
            guard FileManager.default.fileExists(atPath: path) else {
                throw CivicError(.notFound, "no certificate key at '\(path)': run `civic certificate keygen` first, or pass --key-file")
            }
            return try CertificateSigningKey(fileText: try readText(path))
        }

        /// Writes a new key file readable by its owner only; never replaces an existing one.
        func create(_ store: StoreOptions) throws -> (CertificateSigningKey, String) {
            try store.createDataDirIfNeeded()
            let path = try path(store)
            guard !FileManager.default.fileExists(atPath: path) else {
                throw CivicError(.conflict, "a certificate key already exists at '\(path)'; certificates signed with it would no longer verify if it were replaced")
            }
            let key = CertificateSigningKey()
            guard FileManager.default.createFile(atPath: path, contents: Data(key.fileText.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CivicError(.storage, "cannot write the certificate key to '\(path)'")
            }
            return (key, path)
        }
    }

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the issuer's signing key (refuses to replace one) and print its public key.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var keys: KeyOptions

        func run() async throws {
            let (key, path) = try keys.create(store)
            print("created \(path) (mode 0600); key id \(key.publicKey.id)")
            print("public key: \(key.publicKey.text)")
        }
    }

    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the issuer's public key and key id, for relying parties and the verification page.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var keys: KeyOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let key = try keys.load(store).publicKey
            if output.json { return try Terminal.printJSON(["keyID": key.id, "publicKey": key.text, "algorithm": "Ed25519"]) }
            print("key id \(key.id)")
            print(key.text)
        }
    }

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a signed certificate of a subject's current grade and score in one scheme.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var keys: KeyOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Subject id.") var subject: String
        @Option(help: "Scheme; needed when more than one rates the subject.") var scheme: String?
        @Option(name: .customLong("valid-days"), help: "Days the certificate is valid, 1 to 366 (default 90).") var validDays: Int = Certificate.defaultValidityDays
        @Option(help: ArgumentHelp("A measure of the scheme whose answer (and tier) the certificate also states.", valueName: "measure"))
        var measure: String?

        func run() async throws {
            let engine = try await store.engine()
            let id: Subject.ID = try identifier(subject, field: "SUBJECT")
            let subjectRecord = try await engine.store.subject(id)
            guard let subjectRecord else { throw CivicError(.notFound, "no subject '\(id)'") }
            let standings = try await engine.standings(of: id)
            let standing: Standing
            if let scheme {
                guard let found = standings.first(where: { $0.scheme.rawValue == scheme }) else { throw CivicError(.notFound, "scheme '\(scheme)' does not rate '\(id)'") }
                standing = found
            } else {
                guard standings.count == 1, let only = standings.first else {
                    throw CivicError(.invalidInput, standings.isEmpty ? "no scheme rates '\(id)'" : "'\(id)' is rated by \(standings.map { "'\($0.scheme)'" }.joined(separator: ", ")): name one with --scheme")
                }
                standing = only
            }
            guard let handbook = try await engine.handbooks().scheme(standing.scheme)?.handbook else { throw CivicError(.notFound, "no handbook for '\(standing.scheme)'") }
            let key = try keys.load(store)
            var generator = SystemRandomNumberGenerator()
            let serial = (0..<16).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
            let checkpoint = try await (engine.store as? any TransparencyLogStore)?.latestCheckpoint()
            let certificate = try Certificate.make(standing: standing, subject: subjectRecord, handbook: handbook, validityDays: validDays,
                                                   serial: serial, keyID: key.publicKey.id, log: checkpoint.map { ($0.size, $0.root.base64) },
                                                   measure: try measure.map { try identifier($0, field: "--measure") })
            let token = try key.sign(certificate)
            if output.json {
                struct Issued: Encodable { var token: String; var certificate: Certificate }
                return try Terminal.printJSON(Issued(token: token.text, certificate: certificate))
            }
            print(CertificateText.describe(certificate))
            print(token.text)
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a certificate: signature, key, validity on the day, and whether the grade is still current.",
            discussion: """
                Exits 65 when the certificate is rejected (malformed, unknown key, bad signature, expired, not yet valid). \
                A genuine certificate whose grade or score has since changed is accepted as genuine but reported as not current.
                """)
        @OptionGroup var store: StoreOptions
        @OptionGroup var keys: KeyOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The certificate token (CC1....), or @FILE to read it from a file.") var token: String
        @Option(name: .customLong("public-key"), help: ArgumentHelp("A trusted issuer public key (ed25519:...); repeatable.", valueName: "key"))
        var publicKeys: [String] = []
        @Flag(help: "Do not compare with the current standing in the database.") var offline = false

        func run() async throws {
            let text = token.hasPrefix("@") ? try readText(String(token.dropFirst())) : token
            var trusted = try publicKeys.map { text throws(CivicError) in try CertificatePublicKey(text: text) }
            let keyPath = try keys.path(store)
            if FileManager.default.fileExists(atPath: keyPath) { trusted.append(try keys.load(store).publicKey) }
            let day = try store.today()
            let verification = CertificateVerifier(trusting: trusted).verify(text, on: day)
            var current: Bool?
            var currentNote: String?
            if verification.isAccepted, let certificate = verification.certificate, !offline, store.databaseMayExist {
                let engine = try await store.engine()
                let standing = try? await engine.standings(of: certificate.subject).first { $0.scheme == certificate.scheme }
                if let standing {
                    current = standing.grade == certificate.grade && standing.score == certificate.score
                    currentNote = "on \(day) the grade is \(standing.grade?.rawValue ?? "-") and the score \(standing.score)"
                } else {
                    current = false
                    currentNote = "the subject or scheme is no longer in this database"
                }
            }
            if output.json {
                struct Result: Encodable {
                    var accepted: Bool; var reason: String?; var message: String?; var checkedOn: Day
                    var certificate: Certificate?; var current: Bool?; var currentNote: String?
                }
                try Terminal.printJSON(Result(accepted: verification.isAccepted, reason: verification.rejection?.code,
                                              message: verification.rejection?.description, checkedOn: day,
                                              certificate: verification.certificate, current: current, currentNote: currentNote))
            } else if let rejection = verification.rejection {
                print("REJECTED (\(rejection.code)): \(rejection)")
                if let certificate = verification.certificate, case .expired = rejection { print(CertificateText.describe(certificate)) }
            } else if let certificate = verification.certificate {
                print("ACCEPTED: signature valid (key \(certificate.keyID)), valid on \(day)")
                print(CertificateText.describe(certificate))
                if let current, let currentNote {
                    print(current ? "current: yes, \(currentNote)" : "current: NO, \(currentNote) (the certificate is genuine but out of date)")
                } else {
                    print("current: not checked")
                }
            }
            if !verification.isAccepted { throw ExitCode(65) }
        }
    }
}

enum CertificateText {
    static func describe(_ certificate: Certificate) -> String {
        "certificate \(certificate.serial): \(certificate.maskedName) (\(certificate.subject), \(certificate.kind.rawValue), \(certificate.jurisdiction)) "
            + "in \(certificate.scheme) (handbook v\(certificate.handbookVersion)): "
            + (certificate.grade.map { "grade \($0), " } ?? "") + "score \(certificate.score) as of \(certificate.asOf), "
            + "valid until \(certificate.validUntil); issued by \(certificate.issuer)"
            + (certificate.logSize.map { "; checked against the log at \($0) leaves, root \(certificate.logRoot ?? "?")" } ?? "")
            + (certificate.measure.map { certified in
                "; measure \(certified.measure): \(certified.applies ? "applies" : "does not apply")"
                    + (certified.tier.map { tier in
                        let value = certified.value.flatMap { value -> String? in
                            guard case .amount(let amount, let unit) = value else { return nil }
                            return " (\(amount) \(unit.rawValue))"
                        } ?? ""
                        return ", tier \(tier)\(value)"
                    } ?? "")
            } ?? "")
    }
}
