import CivicCore
import Testing

/// A day from its ISO text; a malformed literal is a mistake in the test.
func day(_ text: String) -> Day {
    guard let value = Day(iso: text) else { preconditionFailure("'\(text)' is not a day") }
    return value
}

/// A month from its ISO text ("2026-03").
func month(_ text: String) -> Month {
    guard let value = Month(iso: text) else { preconditionFailure("'\(text)' is not a month") }
    return value
}

/// Runs `body` and returns the code of the `CivicError` it throws, or records an issue if it does not throw one.
func civicErrorCode(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async -> CivicError.Code? {
    do {
        try await body()
        Issue.record("expected a CivicError, but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as CivicError {
        return error.code
    } catch {
        Issue.record("expected a CivicError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Two photos: what "to confirm a good deed, we need at least two photos or a video" asks for.
let twoPhotos = [Evidence(kind: .photo, reference: "sha256:aa01"), Evidence(kind: .photo, reference: "sha256:aa02")]
