/// The product's version, printed by `civic --version`. It is the version of the HTTP API's document
/// (`info.version` in openapi.yaml) as well: `CLITests.versionMatchesTheAPIDocument` keeps the two equal.
enum CivicVersion {
    static let number = "1.0.0"
}
