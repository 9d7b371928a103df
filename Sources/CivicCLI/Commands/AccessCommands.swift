import ArgumentParser
import CivicAccess
import CivicAPI
import CivicCore
import Foundation

/// `civic account`: the accounts that may call the HTTP API (the bootstrap for a real deployment).
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "Add accounts for the HTTP API and assign assessors their households.",
        subcommands: [Add.self, Assign.self, List.self], defaultSubcommand: List.self)

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an account. People get a password (read from stdin with --password-stdin, or generated and shown once).")
        @OptionGroup var store: StoreOptions
        @OptionGroup var access: AccessOptions
        @Option(help: "Account id (the username).") var id: String
        @Option(help: "administrator, assessor, reviewer, resident, relying-party or auditor.") var role: String
        @Option(help: "Display name.") var name: String
        @Option(help: "The registry actor the account acts as (needed for administrator, assessor, reviewer, resident).") var actor: String?
        @Option(name: .customLong("measure"), help: "For a relying party: a measure it may ask about (repeatable).") var measures: [String] = []
        @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of standard input.") var passwordStdin = false

        func run() async throws {
            guard let accessRole = AccessRole(rawValue: role) else {
                throw CivicError(.invalidInput, "--role: '\(role)' is not one of \(AccessRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let services = try await store.apiServices(access)
            var password: String?
            var generated = false
            if accessRole != .relyingParty {
                if passwordStdin {
                    guard let line = readLine(strippingNewline: true) else { throw CivicError(.invalidInput, "no password on standard input") }
                    password = line
                } else {
                    password = String((0..<20).map { _ in "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789".randomElement()! })
                    generated = true
                }
            }
            do {
                let account = try await AccountFactory(services: services).make(
                    id: id, role: accessRole, displayName: name, password: password, actor: actor, measures: measures)
                try await services.access.insert(account)
                try await services.audit(.accountCreated, target: account.id.rawValue)
            } catch let error as APIError {
                throw CivicError(error.status.code == 404 ? .notFound : error.status.code == 409 ? .conflict : .invalidInput,
                                 error.detail, at: error.location.map { "--\($0)" })
            }
            print("added account '\(id)' (\(accessRole.rawValue))")
            if generated, let password { Terminal.error("password (shown once): \(password)") }
        }
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set the households an assessor covers.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var access: AccessOptions
        @Option(help: "The assessor's account id.") var id: String
        @Option(name: .customLong("household"), help: "A household subject id (repeatable).") var households: [String]

        func run() async throws {
            let services = try await store.apiServices(access)
            guard let account = try await services.access.account(try identifier(id, field: "--id")) else { throw CivicError(.notFound, "no account '\(id)'") }
            guard account.role == .assessor else { throw CivicError(.refused, "account '\(id)' is not an assessor") }
            var ids: [Subject.ID] = []
            for text in households {
                let subjectID: Subject.ID = try identifier(text, field: "--household")
                guard let subject = try await services.engine.store.subject(subjectID), subject.kind == .household else {
                    throw CivicError(.notFound, "no household '\(text)'")
                }
                ids.append(subject.id)
            }
            try await services.access.setHouseholds(ids, of: account.id)
            try await services.audit(.householdsAssigned, target: account.id.rawValue)
            print("account '\(id)' covers \(ids.count) households")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var access: AccessOptions

        func run() async throws {
            let services = try await store.apiServices(access)
            var cursor: Account.ID?
            while true {
                let page = try await services.access.accounts(after: cursor, limit: 500)
                for account in page {
                    print("\(account.id)\t\(account.role.rawValue)\t\(account.actor?.rawValue ?? "-")\t\(account.displayName)")
                }
                guard page.count == 500, let last = page.last else { break }
                cursor = last.id
            }
        }
    }
}

/// `civic token`: API tokens for relying parties and services.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Issue or revoke API tokens (stored hashed; the secret is shown once).",
        subcommands: [Issue.self, Revoke.self])

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a token for an account.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var access: AccessOptions
        @Option(help: "The account.") var account: String
        @Option(name: .customLong("scope"), help: "read or write (repeatable).") var scopes: [String] = ["read"]
        @Option(help: "Days until it expires (1 to 366).") var days: Int = 90
        @Option(help: "Requests a second it may make (default: the server's).") var rate: Int?

        func run() async throws {
            let services = try await store.apiServices(access)
            guard (1...366).contains(days) else { throw CivicError(.invalidInput, "--days must be from 1 to 366") }
            var set: Set<TokenScope> = []
            for scope in scopes {
                guard let value = TokenScope(rawValue: scope) else { throw CivicError(.invalidInput, "--scope: '\(scope)' is not read or write") }
                set.insert(value)
            }
            guard let found = try await services.access.account(try identifier(account, field: "--account")) else {
                throw CivicError(.notFound, "no account '\(account)'")
            }
            let (token, bearer) = try await services.authenticator.issue(for: found.id, scopes: set, days: days, requestsPerSecond: rate)
            Terminal.error("token '\(token.id)' for '\(found.id)', expires in \(days) days; the secret is shown once:")
            print(bearer)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by its id.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var access: AccessOptions
        @Argument(help: "The token id.") var id: String

        func run() async throws {
            let services = try await store.apiServices(access)
            guard try await services.access.revokeToken(try identifier(id, field: "token id"), at: APIServices.wallClockSeconds()) else {
                throw CivicError(.notFound, "no token '\(id)'")
            }
            try await services.audit(.tokenRevoked, target: id)
            print("revoked token '\(id)'")
        }
    }
}

extension StoreOptions {
    /// The API's services over this database and its access database, for the account and token commands.
    func apiServices(_ access: AccessOptions) async throws -> APIServices {
        let engine = try await engine()
        return APIServices(store: engine.store, access: try await access.open(self, ledger: engine.store), clock: engine.clock)
    }
}

/// `civic shared-key`: the keys every server of a deployment shares, kept in the access store.
struct SharedKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shared-key", abstract: "List, rotate or retire the keys every server shares (the pages' form key).",
        discussion: """
            The newest key of a purpose signs and every key not retired verifies; servers read the keys again \
            within a minute. To rotate: `rotate`, then, once the forms rendered before have expired (an hour \
            is plenty), `retire` the previous key.
            """,
        subcommands: [List.self, Rotate.self, Retire.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys in use, newest (the one that signs) first; never their secrets.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var access: AccessOptions

        func run() async throws {
            let services = try await store.apiServices(access)
            for purpose in SharedKey.Purpose.allCases {
                for (index, key) in try await services.access.sharedKeys(purpose).enumerated() {
                    print("\(purpose.rawValue)  \(key.id)  created \(key.createdAt)\(index == 0 ? "  signs" : "  verifies")")
                }
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a new key that signs from now on; the others still verify until retired.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var access: AccessOptions
        @Option(help: "What the key signs: form.") var purpose: String = "form"

        func run() async throws {
            guard SharedKey.Purpose(rawValue: purpose) == .form else { throw CivicError(.invalidInput, "--purpose: '\(purpose)' is not form") }
            let services = try await store.apiServices(access)
            let key = SharedKey(id: SharedKey.ID("form-\(APIServices.wallClockSeconds())-\(UUID().uuidString.prefix(8).lowercased())"),
                                purpose: .form, secret: (0..<32).map { _ in UInt8.random(in: .min ... .max) },
                                createdAt: APIServices.wallClockSeconds())
            guard try await services.access.insert(key) else { throw CivicError(.conflict, "a key '\(key.id)' exists already; run again") }
            print("added \(purpose) key '\(key.id)'; servers sign with it within a minute")
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Retire a key: what it signed no longer verifies.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var access: AccessOptions
        @Argument(help: "The key's id (see `civic shared-key list`).") var id: String

        func run() async throws {
            let services = try await store.apiServices(access)
            let keys = try await services.access.sharedKeys(.form)
            if keys.count == 1, keys[0].id.rawValue == id {
                throw CivicError(.conflict, "'\(id)' is the only form key: rotate first, so that servers have a key to sign with")
            }
            guard try await services.access.retireSharedKey(SharedKey.ID(id), at: APIServices.wallClockSeconds()) else {
                throw CivicError(.notFound, "no shared key '\(id)'")
            }
            print("retired '\(id)'")
        }
    }
}
