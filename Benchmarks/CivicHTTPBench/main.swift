import CivicAPI
import CivicCore
import CivicSQLite
import Foundation
import Hummingbird
import Logging
import NIOCore

// The anchors and drivers of the HTTP and cold-check figures in docs/benchmarks.md, run by
// `scripts/bench-http-cold`:
//
//   CivicHTTPBench hello PORT              a bare Hummingbird route answering the liveness probe's body, nothing
//                                          else in front of it: the anchor every HTTP figure is a share of
//   CivicHTTPBench stack PORT LAYERS       the same route behind the first LAYERS of the API's middleware
//                                          (0 to all), to measure what each layer costs
//   CivicHTTPBench checks DATABASE DAY N   N eligibility questions (`fast-loan`) about random subjects of the
//                                          benchmark's 1M-subject database, one at a time: run under callgrind
//                                          at two values of N, the difference is the instructions per question

let arguments = CommandLine.arguments
func usage() -> Never {
    FileHandle.standardError.write(Data("usage: CivicHTTPBench hello PORT | stack PORT LAYERS | checks DATABASE YYYY-MM-DD COUNT\n".utf8))
    exit(2)
}
guard arguments.count >= 3 else { usage() }

/// The liveness probe's body, so that the anchor and the API send the same bytes.
let body = ByteBuffer(string: #"{"status":"ok"}"#)

func serve<Context: RequestContext>(_ router: Router<Context>, port: Int) async throws
where Context.Source == ApplicationRequestContextSource {
    var logger = Logger(label: "bench")
    logger.logLevel = .warning
    let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
    try await application.runService()
}

@Sendable func json() -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
}

func run() async throws {
    switch arguments[1] {
    case "hello":
        guard let port = Int(arguments[2]) else { usage() }
        let router = Router()
        router.get("/livez") { _, _ in json() }
        try await serve(router, port: port)

    case "stack":
        guard arguments.count == 4, let port = Int(arguments[2]), let layers = Int(arguments[3]) else { usage() }
        var configuration = APIConfiguration()
        configuration.anonymousRequestsPerSecond = 1_000_000
        let services = APIServices(store: try SQLiteStore.inMemory(), access: try SQLiteAccessStore.inMemory(),
                                   clock: FixedDayClock(Day(year: 2026, month: 5, day: 1)!), configuration: configuration)
        let stack = apiMiddleware(services)
        guard (0...stack.count).contains(layers) else { usage() }
        let router = Router(context: APIRequestContext.self)
        for layer in stack.prefix(layers) { router.add(middleware: layer.middleware) }
        router.get("/livez") { _, _ in json() }
        FileHandle.standardError.write(Data("layers: \(stack.prefix(layers).map(\.name).joined(separator: ", "))\n".utf8))
        try await serve(router, port: port)

    case "checks":
        guard arguments.count == 5, let day = Day(iso: arguments[3]), let count = Int(arguments[4]), count >= 0 else { usage() }
        let store = try SQLiteStore(path: arguments[2])
        let engine = Engine(store: store, clock: FixedDayClock(day))
        let subjects = try await store.subjectCount()
        guard subjects > 0 else { usage() }
        // One question first, so that decoding the handbooks is not counted in either run.
        _ = try await engine.check(Subject.ID("s-0000000"), measure: "fast-loan")
        var random = SplitMix64(seed: 17)
        var applies = 0
        let started = ContinuousClock.now
        for _ in 0..<count {
            let index = Int(random.next() % UInt64(subjects))
            let id = "s-" + String(repeating: "0", count: max(0, 7 - String(index).count)) + String(index)
            if try await engine.check(Subject.ID(id), measure: "fast-loan").applies { applies += 1 }
        }
        let elapsed = ContinuousClock.now - started
        let micros = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
        print("\(count) questions, \(applies) eligible, \(count == 0 ? 0 : micros / Double(count)) µs each")

    default:
        usage()
    }
}

// A synchronous main that waits for the work on a semaphore: with an asynchronous top level the main thread
// parks in libdispatch's signal loop, which valgrind (3.19) cannot run.
let finished = DispatchSemaphore(value: 0)
Task.detached {
    do {
        try await run()
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
    finished.signal()
}
finished.wait()

/// The project's seeded generator (SplitMix64), under the name these files use.
typealias SplitMix64 = SeededRandom
