package import CivicAccess
package import CivicCore
import CivicHandbook

/// Administration steps shared by the API handlers and the administrator's pages, so both check the
/// same things and say the same when they refuse.
extension APIServices {
    /// Issues an API token for an account, recording `issuer` as the account that asked for it.
    /// `field` prefixes the error locations (`body.` for the API).
    ///
    /// A token acts as its account, and the engine takes the person acting (for recusal and four eyes)
    /// from the account. So a token for a person's account is issued only to that person: otherwise an
    /// administrator could file as an assessor and approve as a reviewer. Tokens for other accounts
    /// are service tokens (relying parties, feeds).
    package func issueToken(account text: String, scopes: Set<TokenScope>, days: Int?, requestsPerSecond: Int?,
                            issuer: Account, field: String = "") async throws -> (token: TokenRecord, bearer: String) {
        guard Account.ID.isValid(text), let account = try await access.account(Account.ID(text)) else {
            throw APIError(.notFound, "no account '\(text.prefix(128))'", at: field + "account")
        }
        guard !account.isPerson || account.id == issuer.id else {
            throw APIError(.forbidden, code: "token-for-another-person",
                           "'\(account.id)' is a person's account: only that person may hold a token acting as them; issue service tokens to relying parties and feeds",
                           at: field + "account")
        }
        let days = days ?? 90
        guard (1...366).contains(days) else { throw APIError(.badRequest, "expiresInDays must be from 1 to 366", at: field + "expiresInDays") }
        if let rate = requestsPerSecond, !(1...100_000).contains(rate) {
            throw APIError(.badRequest, "requestsPerSecond must be from 1 to 100000", at: field + "requestsPerSecond")
        }
        guard !scopes.isEmpty else { throw APIError(.badRequest, "name at least one scope", at: field + "scopes") }
        let (token, bearer) = try await authenticator.issue(for: account.id, scopes: scopes, days: days, requestsPerSecond: requestsPerSecond,
                                                         issuedBy: issuer.id)
        return (token, bearer)
    }

    /// Revokes a token at once (the authenticator's cache forgets it too).
    package func revokeToken(_ text: String, kind: AccessEvent.Kind = .tokenRevoked) async throws {
        guard TokenRecord.ID.isValid(text), try await access.revokeToken(TokenRecord.ID(text), at: now()) else {
            throw APIError(.notFound, "no token '\(text.prefix(128))'")
        }
        try await audit(kind, target: text)
        authenticator.forget(token: TokenRecord.ID(text))
    }

    /// Appends to the access trail an event by the caller of the request being served, or by the
    /// command line's user (`CommandLineActor`), from the request's address.
    package func audit(_ kind: AccessEvent.Kind, target: String?) async throws {
        try await access.recordAccessEvent(AccessEvent(at: now(), kind: kind, actor: Caller.current.account?.id ?? CommandLineActor.current, target: target,
                                                       address: Authenticator.recorded(ClientAddress.current)))
    }

    /// A handbook source that must parse without errors before it is previewed or published.
    package static func validHandbook(_ source: String, lintHint: String = "") throws -> Handbook {
        let parsed = HandbookLoader.parse(source, file: "handbook")
        guard let handbook = parsed.handbook, !parsed.hasErrors else {
            let first = parsed.errors.first
            throw APIError(.badRequest, code: "invalid-handbook",
                           "the handbook has \(parsed.errors.count) error(s); the first: \(first?.message ?? "unreadable")\(lintHint)",
                           at: first.map { "line \($0.line), column \($0.column), \($0.path)" })
        }
        return handbook
    }
}
