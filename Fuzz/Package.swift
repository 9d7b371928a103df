// swift-tools-version: 6.1
// libFuzzer targets for CivicCredit's parsers (docs/reliability.md, "Fuzzing").
//
// A separate package so that the product's own `swift build` and `swift test` never build or
// instrument these: scripts/fuzz builds it with `-sanitize=fuzzer,address` into its own scratch
// path (.build-fuzz) and runs one target. Each target is an executable whose `@main` hands the command
// line to libFuzzer's driver (FuzzSupport.runFuzzer); it imports the product's modules with @testable (debug builds are testable) to reach the
// parsers exactly as the server and the command line call them.
import PackageDescription

let civic = "CivicCredit"

/// One fuzz target: `Fuzz<Name>` in Sources/Fuzz<Name>/, run as `scripts/fuzz <name>`.
func fuzzTarget(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzSupport"] + products.map { .product(name: $0, package: civic) },
        swiftSettings: [.enableUpcomingFeature("ExistentialAny")])
}

let package = Package(
    name: "CivicFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: civic, path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        fuzzTarget("FuzzValues", ["CivicCore", "CivicCLI"]),
        fuzzTarget("FuzzCertificate", ["CivicCore", "CivicCertificates"]),
        fuzzTarget("FuzzCanonical", ["CivicCore"]),
        fuzzTarget("FuzzForm", ["CivicWeb"]),
        fuzzTarget("FuzzMultipart", ["CivicWeb"]),
        fuzzTarget("FuzzAPIBody", ["CivicCore", "CivicAPI"]),
        fuzzTarget("FuzzFeedCSV", ["CivicCore", "CivicCLI"]),
        fuzzTarget("FuzzFeedJSON", ["CivicCore", "CivicCLI"]),
        fuzzTarget("FuzzHandbook", ["CivicCore", "CivicHandbook"]),
        fuzzTarget("FuzzLog", ["CivicLog"]),
    ]
)
