/// What every fuzz target shares: reading libFuzzer's input and failing loudly when a property breaks.
///
/// A broken property is a crash on purpose: libFuzzer stops, saves the input as `crash-<sha1>`, and
/// `scripts/fuzz TARGET` replays it. The message says which property broke and with what values.

/// The input as bytes.
public func bytes(_ data: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
    guard let data, count > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: count))
}

/// The input as text; bytes that are not UTF-8 become U+FFFD, as `String(decoding:)` does for a request body.
public func text(_ data: UnsafePointer<UInt8>?, _ count: Int) -> String {
    String(decoding: bytes(data, count), as: UTF8.self)
}

/// Stops the run when a property does not hold.
public func expect(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() { fatalError("property broken: \(message())", file: file, line: line) }
}

/// Stops the run: something happened that the parser's contract excludes (an untyped error, a wrong result).
public func fail(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError("property broken: \(message)", file: file, line: line)
}

/// Splits the input at its first line feed: a header line (a boundary, a selector) and the rest.
public func splitFirstLine(_ input: [UInt8]) -> (head: [UInt8], rest: [UInt8]) {
    guard let newline = input.firstIndex(of: 0x0A) else { return (input, []) }
    return (Array(input[..<newline]), Array(input[(newline + 1)...]))
}

/// The shape of libFuzzer's per-input callback (`LLVMFuzzerTestOneInput`).
public typealias FuzzBody = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ body: FuzzBody
) -> CInt

/// Hands the process to libFuzzer with `body` as the target. SwiftPM links an executable's `main` to the
/// module's own entry point, so each target's `@main` calls libFuzzer's driver (from -sanitize=fuzzer) with
/// the command line, instead of relying on libFuzzer's `main`.
public func runFuzzer(_ body: FuzzBody) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, body))
}

@_silgen_name("exit")
func exit(_ status: CInt) -> Never
