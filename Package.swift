// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "CivicCredit",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "civic", targets: ["civic"]),
        .library(name: "CivicCore", targets: ["CivicCore"]),
        // The parsers' modules, for the libFuzzer targets in Fuzz/ (a separate package built only by scripts/fuzz).
        .library(name: "CivicHandbook", targets: ["CivicHandbook"]),
        .library(name: "CivicCertificates", targets: ["CivicCertificates"]),
        .library(name: "CivicLog", targets: ["CivicLog"]),
        .library(name: "CivicAPI", targets: ["CivicAPI"]),
        .library(name: "CivicWeb", targets: ["CivicWeb"]),
        .library(name: "CivicCLI", targets: ["CivicCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // Pure domain: handbook model, reports, ledger, scoring, grades, lists, measures.
        .target(name: "CivicCore", swiftSettings: strict),
        // Handbook files: YAML in, a validated Handbook out, every problem with its line.
        .target(
            name: "CivicHandbook",
            dependencies: ["CivicCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        // The transparency log: RFC 9162 Merkle tree in C2SP tiles over every append-only record, signed
        // checkpoints (C2SP signed-note, tlog-checkpoint, tlog-cosignature), proofs and the auditor.
        .target(
            name: "CivicLog",
            dependencies: ["CivicCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        // Who may call the server: accounts, tokens, sessions, assignments, idempotency records, evidence
        // blobs. Only the protocol and its values (pure); each store implements it.
        .target(name: "CivicAccess", dependencies: ["CivicCore"], swiftSettings: strict),
        // The embedded default store, and the access store beside it.
        .target(
            name: "CivicSQLite",
            dependencies: ["CivicCore", "CivicAccess", "CivicLog", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "GRDBSQLite", package: "GRDB.swift")],
            swiftSettings: strict),
        // The HTTP API: openapi.yaml, its generated types and server stubs (committed; see
        // scripts/generate-openapi), handlers, the policy table, authentication, idempotency and limits.
        .target(
            name: "CivicAPI",
            dependencies: [
                "CivicCore", "CivicHandbook", "CivicAccess", "CivicCertificates", "CivicLog", "CivicDelivery",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["openapi.yaml", "openapi-generator-config.yaml"],
            resources: [.copy("Resources")],
            swiftSettings: strict),
        // The web pages: server-rendered HTML (Mustache templates, en/zh catalogs, a stylesheet) for every
        // role, on the same router as the API and under the same policy table.
        .target(
            name: "CivicWeb",
            dependencies: [
                "CivicCore", "CivicHandbook", "CivicAccess", "CivicAPI", "CivicCertificates", "CivicLog",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: strict),
        // The store for deployments that outgrow one machine: PostgreSQL 15 and later.
        .target(
            name: "CivicPostgres",
            dependencies: [
                "CivicCore", "CivicLog", "CivicAccess",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Signed rating certificates: Ed25519 signing and verification over the core's canonical payload.
        .target(
            name: "CivicCertificates",
            dependencies: ["CivicCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        // Demo jurisdiction and deterministic data generation (pure).
        .target(
            name: "CivicDemo",
            dependencies: ["CivicCore", "CivicHandbook"],
            resources: [.copy("Handbooks")],
            swiftSettings: strict),
        // Fixtures, the fixed clock and the store behaviour suite shared by every store.
        .target(
            name: "CivicTesting",
            dependencies: ["CivicCore", "CivicHandbook", "CivicDemo", "CivicLog", "CivicAccess"],
            swiftSettings: strict),
        // The API's test world (a small demo behind a server, one account per role) and request helpers,
        // shared by the API's and the pages' tests.
        .target(
            name: "CivicAPITesting",
            dependencies: [
                "CivicAPI", "CivicAccess", "CivicCore", "CivicSQLite", "CivicDemo", "CivicCertificates",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Notice delivery adapters (webhook, spool directory): the outbox's I/O.
        .target(
            name: "CivicDelivery",
            dependencies: [
                "CivicCore", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict),
        // Command-line interface; the only place that picks a store.
        .target(
            name: "CivicCLI",
            dependencies: [
                "CivicCore", "CivicHandbook", "CivicSQLite", "CivicPostgres", "CivicDemo", "CivicDelivery", "CivicCertificates",
                "CivicAccess", "CivicAPI", "CivicWeb", "CivicLog",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CSV", package: "CSV.swift"),
            ],
            swiftSettings: strict),
        .executableTarget(name: "civic", dependencies: ["CivicCLI"], swiftSettings: strict),

        .testTarget(
            name: "CivicCoreTests",
            dependencies: [
                "CivicCore", "CivicTesting", "CivicHandbook", "CivicDemo",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "CivicLogTests",
            dependencies: ["CivicLog", "CivicCore", "CivicSQLite", "CivicTesting"],
            resources: [.copy("Fixtures")],
            swiftSettings: strict),
        .testTarget(
            name: "CivicCertificatesTests",
            dependencies: ["CivicCertificates", "CivicCore"],
            swiftSettings: strict),
        .testTarget(
            name: "CivicHandbookTests",
            dependencies: ["CivicHandbook", "CivicCore", "CivicDemo"],
            swiftSettings: strict),
        .testTarget(
            name: "CivicSQLiteTests",
            dependencies: [
                "CivicSQLite", "CivicCore", "CivicTesting",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "CivicAPITests",
            dependencies: [
                "CivicAPI", "CivicAPITesting", "CivicAccess", "CivicCore", "CivicSQLite", "CivicTesting", "CivicDemo", "CivicHandbook", "CivicCertificates",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "CivicWebTests",
            dependencies: [
                "CivicWeb", "CivicAPITesting", "CivicAPI", "CivicAccess", "CivicCore", "CivicSQLite", "CivicTesting", "CivicDemo", "CivicHandbook",
                "CivicCertificates", "CivicLog",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strict),
        .testTarget(
            name: "CivicPostgresTests",
            dependencies: [
                "CivicPostgres", "CivicSQLite", "CivicCore", "CivicTesting", "CivicDemo", "CivicLog", "CivicAccess", "CivicAPI", "CivicAPITesting",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        // Deterministic simulation: one seed drives a random world, random commands and faults at the store
        // boundary on every store, with the invariants checked after every step (scripts/simulate).
        .testTarget(
            name: "CivicSimulationTests",
            dependencies: ["CivicCore", "CivicTesting", "CivicSQLite", "CivicPostgres", "CivicLog", "CivicDemo"],
            swiftSettings: strict),
        .testTarget(
            name: "CivicCLITests",
            dependencies: ["CivicCLI", "CivicCore", "CivicTesting", "CivicCertificates", "CivicPostgres", "CivicSQLite", "CivicDemo", "CivicLog"],
            exclude: ["Fixtures"],
            swiftSettings: strict),

        .executableTarget(
            name: "CivicBenchmarks",
            dependencies: [
                "CivicCore", "CivicSQLite", "CivicPostgres", "CivicTesting", "CivicDemo", "CivicLog",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Benchmarks/CivicBenchmarks",
            swiftSettings: strict,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        // The HTTP figures' anchor (a bare Hummingbird route), the API's middleware a layer at a time, and a
        // driver of cold eligibility checks for instruction counts (scripts/bench-http-cold).
        .executableTarget(
            name: "CivicHTTPBench",
            dependencies: [
                "CivicCore", "CivicSQLite", "CivicAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/CivicHTTPBench",
            swiftSettings: strict),
    ]
)
