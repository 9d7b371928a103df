import ArgumentParser
import CivicAccess
import CivicAPI
import CivicCertificates
import CivicCore
import CivicDelivery
import CivicDemo
import CivicLog
import CivicPostgres
import CivicSQLite
import CivicWeb
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server: web pages at /, the HTTP API (OpenAPI document at /openapi.yaml), metrics at /metrics.",
        discussion: """
            Accounts, tokens, sessions and idempotency records live in a second SQLite database beside the \
            ledger's (civic.db -> civic-access.db), or, on PostgreSQL, in the same database, so that any number \
            of servers can share it. Create the first administrator with `civic account add`, or \
            start with --demo. Stops gracefully on SIGTERM or SIGINT.
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var access: AccessOptions
    @Option(help: ArgumentHelp("Address to listen on (or HTTP_HOST).", valueName: "host"))
    var host: String = ProcessInfo.processInfo.environment["HTTP_HOST"] ?? "127.0.0.1"
    @Option(help: ArgumentHelp("Port to listen on (or HTTP_PORT).", valueName: "port"))
    var port: Int = ProcessInfo.processInfo.environment["HTTP_PORT"].flatMap { Int($0) } ?? 8080
    @Flag(help: "Build the demo data into the database first if it is empty, and create one demo account per role.")
    var demo = false
    @Option(name: .customLong("demo-residents"), help: "Residents in the demo data.") var demoResidents: Int = 3_000
    @Option(name: .customLong("credentials-file"), help: ArgumentHelp("With --demo: also write the demo credentials as JSON to this file (mode 0600).", valueName: "path"))
    var credentialsFile: String?
    @Option(name: .customLong("certificate-key"), help: ArgumentHelp("The issuer key for rating certificates; default: DATA-DIR/civic.certificate-key or DATABASE.certificate-key if it exists (created with --demo).", valueName: "path"))
    var certificateKey: String?
    @Option(name: .customLong("token-rate"), help: "Requests a second per token, unless the token sets its own.") var tokenRate: Int = 50
    @Option(name: .customLong("anonymous-rate"), help: "Requests a second per address without a token.") var anonymousRate: Int = 20
    @Option(name: .customLong("password-checks-queued"), help: "Sign-ins that may wait for a password check before the rest get 429.")
    var passwordChecksQueued: Int = 16
    @Option(name: .customLong("password-checks-per-address"), help: "Sign-ins one address may have checked or waiting at once before the rest get 429.")
    var passwordChecksPerAddress: Int = 2
    @Flag(name: .customLong("secure-cookies"), help: "Mark the pages' cookies Secure: use it whenever browsers reach the server over HTTPS (behind a TLS proxy).")
    var secureCookies = false
    @Option(name: .customLong("spool-root"), help: ArgumentHelp("The directory spool channels added over the API must be inside; without it, the API adds no spool channels.", valueName: "path"))
    var spoolRoot: String?
    @Flag(name: .customLong("allow-private-webhooks"), help: "Let webhook channels added over the API point at loopback, link-local or private addresses.")
    var allowPrivateWebhooks = false
    @Option(name: .customLong("trusted-proxy"), help: ArgumentHelp("A reverse proxy's address or range (CIDR, IPv4 or IPv6) whose X-Forwarded-For names the client; repeat for several. From any other peer the header is ignored.", valueName: "cidr"))
    var trustedProxies: [String] = []
    @Option(name: .customLong("public-url"), help: ArgumentHelp("The address people reach the server at, for links such as a certificate's QR code (https makes cookies Secure). Without it, certificates carry no link, except with --demo, which links to the address it listens on.", valueName: "url"))
    var publicURL: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String = "info"
    @OptionGroup var logKeys: LogCommand.KeyOptions
    @Option(name: .customLong("checkpoint-minutes"), help: "Sign a checkpoint of the transparency log at most this many minutes after the log grew.")
    var checkpointMinutes: Double = 10
    @Option(name: .customLong("read-database"), help: ArgumentHelp("A streaming replica of the PostgreSQL --database (postgres:// URL, or CIVIC_READ_DATABASE): eligibility checks, the public lists and the ledger export are read there while it is within --read-lag-max; writes and every other read go to the primary.", valueName: "url"))
    var readDatabase: String?
    @Option(name: .customLong("read-lag-max"), help: ArgumentHelp("Seconds the read replica may be behind before reads go to the primary.", valueName: "seconds"))
    var readLagMax: Double = 10
    @Option(name: .customLong("listen-database"), help: ArgumentHelp("Where to LISTEN for other servers' commits, so that caches drop at once: a postgres:// URL straight to the primary (or CIVIC_LISTEN_DATABASE). Default: the --database URL unless it says pooler=transaction, whose sessions cannot LISTEN; without either the caches poll.", valueName: "url"))
    var listenDatabase: String?
    @Option(name: .customLong("witness"), help: ArgumentHelp("A witness's public key (vkey) whose cosignatures of the log are accepted and published; repeat for several.", valueName: "vkey"))
    var witnesses: [String] = []

    func run() async throws {
        guard (1...65_535).contains(port) else { throw CivicError(.invalidInput, "--port must be from 1 to 65535") }
        guard let level = Logger.Level(rawValue: logLevel) else { throw CivicError(.invalidInput, "--log-level: '\(logLevel)' is not a level") }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var logger = Logger(label: "civic.api")
        logger.logLevel = level

        let engine = try await store.engine(creating: demo)
        if demo, try await engine.store.subjectCount() == 0 {
            // The location's description, never the text given: a PostgreSQL URL carries a password.
            Terminal.error("building the demo data into \(try store.location.description) (\(demoResidents) residents)...")
            let end = try store.today().month.previous
            _ = try await DemoRun(store: engine.store, options: .init(residents: demoResidents, seed: 2026, endMonth: end)).run()
        }
        let access = try await self.access.open(store, ledger: engine.store)
        // The keys' directory, which no access database file makes any more on PostgreSQL.
        try store.createDataDirIfNeeded()
        let clock: any DayClock = store.asOf == nil ? CivicAPI.SystemDayClock() : engine.clock
        guard (1...1_000_000).contains(tokenRate), (1...1_000_000).contains(anonymousRate) else {
            throw CivicError(.invalidInput, "--token-rate and --anonymous-rate must be from 1 to 1000000")
        }
        var configuration = APIConfiguration()
        configuration.strictTransportSecurity = secureCookies
        configuration.deliveryGuard = DeliveryGuard(allowPrivateNetworks: allowPrivateWebhooks, spoolRoot: spoolRoot)
        configuration.trustedProxies = TrustedProxies(try trustedProxies.map { text in
            guard let range = TrustedProxies.Range(text) else {
                throw CivicError(.invalidInput, "--trusted-proxy: '\(text.prefix(60))' is not an IPv4 or IPv6 address or range (CIDR)")
            }
            return range
        })
        configuration.requestsPerSecondDefault = tokenRate
        configuration.anonymousRequestsPerSecond = anonymousRate
        guard (0...10_000).contains(passwordChecksQueued), (1...10_000).contains(passwordChecksPerAddress) else {
            throw CivicError(.invalidInput, "--password-checks-queued must be from 0 and --password-checks-per-address from 1, to 10000")
        }
        configuration.passwordChecksQueuedMax = passwordChecksQueued
        configuration.passwordChecksPerAddressMax = passwordChecksPerAddress
        // In --data-dir or beside a SQLite file. A PostgreSQL URL without --data-dir has no place for it: --demo,
        // which makes the key, says to name one; otherwise the server runs without certificates.
        let keyPath: String?
        if let certificateKey {
            keyPath = certificateKey
        } else if demo {
            keyPath = try store.path(of: .certificateKey)
        } else {
            keyPath = try? store.path(of: .certificateKey)
        }
        var key: CertificateSigningKey?
        if let keyPath, FileManager.default.fileExists(atPath: keyPath) {
            key = try CertificateSigningKey(fileText: String(contentsOfFile: keyPath, encoding: .utf8))
        } else if let keyPath, demo {
            let created = CertificateSigningKey()
            guard FileManager.default.createFile(atPath: keyPath, contents: Data(created.fileText.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CivicError(.storage, "cannot write the certificate key to '\(keyPath)'")
            }
            key = created
        } else if let keyPath, certificateKey != nil {
            throw CivicError(.notFound, "no certificate key at '\(keyPath)': run `civic certificate keygen` first")
        }
        guard checkpointMinutes > 0, checkpointMinutes <= 24 * 60 else { throw CivicError(.invalidInput, "--checkpoint-minutes must be from 0 to 1440") }
        configuration.checkpointIntervalSeconds = checkpointMinutes * 60
        configuration.witnesses = try witnesses.map { text in
            do { return try CosignatureVerifier(vkey: text) } catch { throw CivicError(.invalidInput, "--witness: not a witness key: \(error)") }
        }
        // With --demo a missing key is created, also at a path named with --log-key-file.
        let demoCreatesLogKey = try demo && !FileManager.default.fileExists(atPath: logKeys.path(store))
        var logKey = demoCreatesLogKey ? nil : try logKeys.loadIfPresent(store)
        if logKey == nil, demo {
            logKey = try LogKeyFile.create(try logKeys.path(store), origin: "civiccredit.example/demo-ledger")
        }
        if logKey == nil {
            Terminal.error("no log key: checkpoints of the transparency log are not signed; create one with `civic log keygen`")
        }
        guard readLagMax > 0, readLagMax <= 3_600 else { throw CivicError(.invalidInput, "--read-lag-max must be more than 0 and at most 3600 seconds") }
        configuration.replicaLagMaxSeconds = readLagMax
        let readStore = try await openReadStore(primary: engine.store)
        let services = APIServices(store: engine.store, access: access, clock: clock, configuration: configuration, metrics: registry,
                                   certificateKey: key, logKey: logKey, readStore: readStore)
        if demo, let credentials = try await DemoAccounts.create(services) {
            // Printed once, to the terminal only; never logged.
            Terminal.error("demo accounts (shown once; sign in with POST /sessions or use the token as a bearer token):")
            for credential in credentials {
                Terminal.error("  \(credential.account) (\(credential.role))" + (credential.password.map { "  password: \($0)" } ?? "") + "  token: \(credential.token)")
            }
            if let credentialsFile {
                let data = try JSONEncoder().encode(credentials)
                guard FileManager.default.createFile(atPath: credentialsFile, contents: data, attributes: [.posixPermissions: 0o600]) else {
                    throw CivicError(.storage, "cannot write '\(credentialsFile)'")
                }
            }
        }
        if try await access.accountCount() == 0 {
            Terminal.error("no accounts yet: create an administrator with `civic account add --id ID --role administrator --actor ACTOR`")
        }
        if let publicURL, !(publicURL.hasPrefix("https://") || publicURL.hasPrefix("http://")) || publicURL.contains("?") {
            throw CivicError(.invalidInput, "--public-url must be an http:// or https:// address without a query, like https://credit.example.gov")
        }
        // Links that leave a page (a certificate's QR code) are built from the public address only, never
        // from a request's Host header. The demo links to the address it listens on.
        var linkBase = publicURL
        if linkBase == nil, demo { linkBase = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
        if linkBase == nil { Terminal.error("no --public-url: certificates are issued without a verification link or QR code") }
        let web = try await WebServices(api: services, configuration: WebConfiguration(secureCookies: secureCookies, publicURL: linkBase))
        let application = try buildApplication(services, host: host, port: port, logger: logger, additionalRoutes: web.register(on:))
        let purge = IdempotencyPurge(services: services)
        let checkpoints = CheckpointSigner(services: services, logger: logger)
        var background: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: application), .init(service: purge), .init(service: checkpoints)]
        if let monitor = ReplicaMonitor(services: services) { background.append(.init(service: monitor)) }
        if let settings = try listenSettings() {
            background.append(.init(service: ChangeListener(services: services) { changed, connected in
                try await PostgresStore.listenForChanges(settings: settings, changed: changed, connected: connected)
            }))
        }
        let group = ServiceGroup(configuration: .init(services: background,
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("serving", metadata: ["host": "\(host)", "port": "\(port)"])
        try await group.run()
    }
}

extension ServeCommand {
    /// The read replica named by --read-database (or CIVIC_READ_DATABASE), if any: only beside a PostgreSQL primary.
    func openReadStore(primary: any Store) async throws -> PostgresStore? {
        guard let given = readDatabase ?? ProcessInfo.processInfo.environment["CIVIC_READ_DATABASE"], !given.isEmpty else { return nil }
        guard PostgresSettings.isPostgresURL(given) else {
            throw CivicError(.invalidInput, "--read-database: '\(PostgresSettings.redacted(given))' is not a postgres:// URL")
        }
        guard primary is PostgresStore else {
            throw CivicError(.invalidInput, "--read-database needs a PostgreSQL --database: a replica streams from a PostgreSQL primary")
        }
        return try await PostgresStore.replica(settings: try PostgresSettings(url: given))
    }

    /// Where to LISTEN for other servers' commits: --listen-database, else the PostgreSQL --database unless it
    /// goes through a transaction pooler (which says so once: the caches then poll).
    func listenSettings() throws -> PostgresSettings? {
        if let given = listenDatabase ?? ProcessInfo.processInfo.environment["CIVIC_LISTEN_DATABASE"], !given.isEmpty {
            guard case .postgres = try store.location else {
                throw CivicError(.invalidInput, "--listen-database needs a PostgreSQL --database")
            }
            guard PostgresSettings.isPostgresURL(given) else {
                throw CivicError(.invalidInput, "--listen-database: '\(PostgresSettings.redacted(given))' is not a postgres:// URL")
            }
            let settings = try PostgresSettings(url: given)
            guard settings.pooler == .none else {
                throw CivicError(.invalidInput, "--listen-database must reach PostgreSQL itself, not a transaction pooler: LISTEN needs a session of its own")
            }
            return settings
        }
        guard case .postgres(let settings) = try store.location else { return nil }
        guard settings.pooler == .none else {
            Terminal.error("--database goes through a transaction pooler: without --listen-database, other servers' commits are seen by polling (every second)")
            return nil
        }
        return settings
    }
}

/// Where the access data lives: with a PostgreSQL ledger, in the same database (tables of its own), so that
/// any number of servers share it; with a SQLite ledger, in a SQLite file in `--data-dir` or beside the ledger.
/// `--access-database` names another place: a SQLite file or a `postgres://` URL.
struct AccessOptions: ParsableArguments {
    @Option(name: .customLong("access-database"), help: ArgumentHelp(
        "Where accounts, tokens, sessions, idempotency records, the access trail and evidence live: a SQLite file or a postgres:// URL (or CIVIC_ACCESS_DATABASE); default: the PostgreSQL database itself, or DATA-DIR/civic-access.db, or beside a SQLite ledger (civic.db -> civic-access.db).",
        valueName: "database"))
    var accessDatabase: String?

    /// Opens the access store that goes with `ledger`, the store `store` opened.
    func open(_ store: StoreOptions, ledger: any Store) async throws -> any AccessStore {
        if let given = accessDatabase ?? ProcessInfo.processInfo.environment["CIVIC_ACCESS_DATABASE"] {
            if PostgresSettings.isPostgresURL(given) { return try await PostgresAccessStore(settings: try PostgresSettings(url: given)) }
            return try openAccessStore(at: given)
        }
        if case .postgres = try store.location {
            guard let postgres = ledger as? PostgresStore else { throw CivicError(.storage, "the PostgreSQL ledger store did not open as one") }
            // An access database that a server on PostgreSQL kept in --data-dir before is never left behind unnoticed.
            if store.dataDir != nil, let earlier = try? store.path(of: .accessDatabase), FileManager.default.fileExists(atPath: earlier) {
                throw CivicError(.conflict, """
                    '\(earlier)' holds accounts from before access data moved into PostgreSQL: keep using it with \
                    --access-database \(earlier), or copy it with `civic migrate-store` and move the file away
                    """)
            }
            return try await PostgresAccessStore(sharing: postgres)
        }
        try store.createDataDirIfNeeded()
        return try openAccessStore(at: store.path(of: .accessDatabase))
    }
}

/// The access store in a SQLite file.
func openAccessStore(at accessPath: String) throws -> SQLiteAccessStore {
    do {
        return try SQLiteAccessStore(path: accessPath)
    } catch let error as CivicError {
        throw error
    } catch {
        throw CivicError(.storage, "cannot open the access database '\(accessPath)': \(error)")
    }
}
