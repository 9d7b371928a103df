import HTTPTypes
import OpenAPIRuntime

/// The gate in front of every generated operation: looks the operation up in the policy table, admits
/// the caller or refuses them, and runs the handler under the request timeout. An operation missing
/// from the table is refused (fail closed); the table is a total switch, so that cannot compile anyway.
struct PolicyMiddleware: ServerMiddleware {
    let timeoutSeconds: Double

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let operation = APIOperation(rawValue: operationID) else {
            throw APIError(.forbidden, "operation \(operationID) has no row in the policy table")
        }
        let reach = try Policy.admit(Caller.current, to: operation)
        return try await Admission.$current.withValue(Admission(operation: operation, reach: reach)) {
            try await withoutActuallyEscaping(next) { next in
                try await withDeadline(seconds: timeoutSeconds) { try await next(request, body, metadata) }
            }
        }
    }
}

/// The policy table's answer for the request being served.
struct Admission: Sendable {
    var operation: APIOperation
    var reach: Reach

    @TaskLocal static var current: Admission?
}

/// Runs `work`, giving up with 503 after `seconds`. The work is cancelled; every write is one store
/// transaction, so a cancelled request has written all of its change or none of it.
func withDeadline<T: Sendable>(seconds: Double, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await work() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw APIError(.serviceUnavailable, code: "timeout", "the request took longer than \(Int(seconds)) s and was stopped; retry later",
                           headers: ["Retry-After": "5"])
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        return first
    }
}
