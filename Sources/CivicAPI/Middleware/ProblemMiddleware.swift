import CivicCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OpenAPIRuntime

/// Turns every error into an RFC 9457 problem document, once, at the outside of the stack.
/// Unexpected errors are logged by type only and answered with a bare 500: no internals leak.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = ProblemMiddleware.problem(for: error, logger: context.logger)
            return ProblemMiddleware.response(problem)
        }
    }

    static func response(_ problem: APIError) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        for (name, value) in problem.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(status: problem.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: problem.problemJSON())))
    }

    static func problem(for error: any Error, logger: Logger) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as CivicError:
            if error.code == .corrupted || error.code == .storage {
                // The store's text names the cause (disk full, read-only, connection refused), never a record's content.
                logger.error("store failure", metadata: ["code": "\(error.code)", "detail": "\(error.message)"])
            }
            return APIError(error)
        case let error as ServerError:
            if let inner = error.underlyingError as? APIError { return inner }
            if let inner = error.underlyingError as? CivicError { return problem(for: inner, logger: logger) }
            if let inner = error.underlyingError as? DecodingError { return decodingProblem(inner) }
            if let inner = error.underlyingError as? HTTPError { return problem(for: inner, logger: logger) }
            if error.httpStatus.code < 500 {
                return APIError(error.httpStatus, "the request does not match the operation \(error.operationID): \(error.causeDescription)")
            }
            logger.error("operation failed", metadata: ["operation": "\(error.operationID)", "error": "\(type(of: error.underlyingError))"])
            return APIError(.internalServerError, "the server failed to answer; the failure was logged")
        case let error as HTTPError:
            switch error.status {
            case .notFound: return APIError(.notFound, "no such route")
            case .contentTooLarge: return APIError(.contentTooLarge, "the request body is larger than this operation accepts")
            default: return APIError(error.status, error.body ?? error.status.reasonPhrase)
            }
        case let error as DecodingError: return decodingProblem(error)
        case is CancellationError:
            return APIError(.serviceUnavailable, "the request was cancelled")
        default:
            logger.error("request failed", metadata: ["error": "\(type(of: error))"])
            return APIError(.internalServerError, "the server failed to answer; the failure was logged")
        }
    }

    /// Says which field of the JSON body was wrong, without echoing its value.
    static func decodingProblem(_ error: DecodingError) -> APIError {
        func path(_ codingPath: [any CodingKey]) -> String {
            let text = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "body" : "body" + text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return APIError(.badRequest, "a required field is missing: '\(key.stringValue)'", at: path(context.codingPath + [key]))
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return APIError(.badRequest, "a field has the wrong type", at: path(context.codingPath))
        case .dataCorrupted(let context):
            return APIError(.badRequest, context.codingPath.isEmpty ? "the body is not valid JSON" : "a field has an invalid value",
                            at: path(context.codingPath))
        @unknown default:
            return APIError(.badRequest, "the body could not be read")
        }
    }
}
