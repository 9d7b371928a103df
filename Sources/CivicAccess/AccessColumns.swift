import CivicCore

/// Access records built from the columns every access store holds, named and typed the same in SQLite
/// and PostgreSQL: each store reads its columns with its own library, and what a column means (a role's
/// name, a token's scopes as a space-separated list) is decided here once.
///
/// A stored value this program does not know is a `corrupted` error naming the column, never the value.
public enum AccessColumns {
    /// Scopes as stored: their names, sorted, separated by one space.
    public static func scopesText(_ scopes: Set<TokenScope>) -> String {
        scopes.map(\.rawValue).sorted().joined(separator: " ")
    }

    public static func account(
        id: String, role: String, displayName: String, actor: String?, subject: String?, passwordHash: String?,
        measures: [String], households: [String], failedSignIns: Int, lockedUntil: UnixTime?, createdAt: UnixTime, disabled: Bool
    ) throws -> Account {
        guard let role = AccessRole(rawValue: role) else { throw CivicError(.corrupted, "stored account has an unknown role in column role") }
        return Account(
            id: Account.ID(id), role: role, displayName: displayName, actor: actor.map { Actor.ID($0) }, subject: subject.map { Subject.ID($0) },
            passwordHash: passwordHash, measures: measures.map { Measure.ID($0) }, households: households.map { Subject.ID($0) },
            failedSignIns: failedSignIns, lockedUntil: lockedUntil, createdAt: createdAt, disabled: disabled)
    }

    public static func token(
        id: String, account: String, kind: String, secretHash: String, scopes: String, createdAt: UnixTime, expiresAt: UnixTime,
        revokedAt: UnixTime?, requestsPerSecond: Int?, issuedBy: String?
    ) throws -> TokenRecord {
        guard let kind = TokenRecord.Kind(rawValue: kind) else { throw CivicError(.corrupted, "stored token has an unknown kind in column kind") }
        var parsed: Set<TokenScope> = []
        for name in scopes.split(separator: " ") {
            guard let scope = TokenScope(rawValue: String(name)) else { throw CivicError(.corrupted, "stored token has an unknown scope in column scopes") }
            parsed.insert(scope)
        }
        return TokenRecord(
            id: TokenRecord.ID(id), account: Account.ID(account), kind: kind, secretHash: secretHash, scopes: parsed,
            createdAt: createdAt, expiresAt: expiresAt, revokedAt: revokedAt, requestsPerSecond: requestsPerSecond,
            issuedBy: issuedBy.map { Account.ID($0) })
    }

    public static func accessEvent(sequence: Int64, at: UnixTime, kind: String, actor: String?, target: String?, address: String?) throws -> AccessEvent {
        guard let kind = AccessEvent.Kind(rawValue: kind) else { throw CivicError(.corrupted, "stored access event has an unknown kind in column kind") }
        return AccessEvent(sequence: sequence, at: at, kind: kind, actor: actor.map { Account.ID($0) }, target: target, address: address)
    }

    /// A row of the idempotency table: nil while the key is only claimed (no status yet).
    public static func idempotency(
        principal: String, key: String, requestHash: String, status: Int?, contentType: String?, body: [UInt8]?, createdAt: UnixTime
    ) throws -> IdempotencyRecord? {
        guard let status else { return nil }
        guard let body else { throw CivicError(.corrupted, "stored idempotency record has a status but no body in column body") }
        return IdempotencyRecord(principal: Account.ID(principal), key: key, requestHash: requestHash, status: status,
                                 contentType: contentType, body: body, createdAt: createdAt)
    }

    public static func sharedKey(id: String, purpose: String, secret: [UInt8], createdAt: UnixTime, retiredAt: UnixTime?) throws -> SharedKey {
        guard let purpose = SharedKey.Purpose(rawValue: purpose) else { throw CivicError(.corrupted, "stored shared key has an unknown purpose in column purpose") }
        return SharedKey(id: SharedKey.ID(id), purpose: purpose, secret: secret, createdAt: createdAt, retiredAt: retiredAt)
    }
}
