// swift-tools-version: 6.1
// Builds the OpenAPI generator used by scripts/generate-openapi. Kept apart from the main
// package so that a normal build never compiles the generator or runs its plugin.
import PackageDescription

let package = Package(
    name: "OpenAPIGeneratorTool",
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator", exact: "1.14.3"),
    ]
)
