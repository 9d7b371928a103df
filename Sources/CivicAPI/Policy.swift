public import CivicAccess

/// Every operation of openapi.yaml, by its operationId.
///
/// The policy table below is a `switch` over this enum, so an operation cannot exist without a row;
/// a test checks that this enum and the document name the same operations.
public enum APIOperation: String, CaseIterable, Sendable {
    case getLiveness, getOpenAPIDocument, getMetrics
    case createSession, deleteCurrentSession, getCurrentPrincipal
    case listAccounts, createAccount, assignHouseholds, issueToken, revokeToken, listAccessEvents
    case listJurisdictions, createJurisdiction, listActors, createActor
    case getCurrentHandbook, publishHandbook, lintHandbook
    case listSubjects, createSubjects, getSubject, listHouseholdMembers, explainScore, listSubjectEntries, listSubjectReports
    case listReports, fileReport, getReport, decideReport
    case uploadEvidence, getEvidence
    case listCycles, closeCycle
    case listPublicList, listMeasures
    case checkEligibility, checkEligibilityBatch
    case exportEntries
    case issueCertificate, verifyCertificate
    case getGradePath, listSubjectNotices, listSubjectAppeals, listAppeals, fileAppeal, decideAppeal, getOversight, previewHandbook
    case recordRemedy, correctEntry, importAuthorityRecords
    case getNotice, getAppeal, listNoticeChannels, addNoticeChannel
    case refreshStandings, verifyStandings
    case getLogCheckpoint, getLogKey, getLogTile, getLogEntryProof, getLogRecordProof, getLogConsistency, addLogCosignature
}

/// How far a role reaches within an operation it may call.
public enum Reach: Sendable, Hashable {
    /// Every subject, report or record the operation names.
    case everything
    /// A resident: their own subject record and their household's.
    case ownRecord
    /// An assessor: the households assigned to them and those households' members.
    case assignedHouseholds
    /// A relying party: only the measures it is registered for.
    case registeredMeasures
    /// Evidence the caller uploaded themself.
    case ownUploads
}

/// Whether an operation reads or writes; a token's scopes must include it.
public enum AccessKind: String, Sendable, Hashable {
    case read, write

    var scope: TokenScope { self == .read ? .read : .write }
}

/// One row of the policy table.
public struct PolicyRule: Sendable {
    public var access: AccessKind
    /// Anyone, signed in or not, may call it.
    public var isPublic: Bool
    /// The roles that may call it, and how far each reaches. Empty for public operations.
    public var roles: [AccessRole: Reach]

    static func open(_ access: AccessKind) -> PolicyRule { PolicyRule(access: access, isPublic: true, roles: [:]) }
    static func only(_ access: AccessKind, _ roles: [AccessRole: Reach]) -> PolicyRule { PolicyRule(access: access, isPublic: false, roles: roles) }
}

/// The policy table: who may call what, and how far they reach. Every route asks it before doing anything.
public enum Policy {
    static let everyone: [AccessRole: Reach] = Dictionary(uniqueKeysWithValues: AccessRole.allCases.map { ($0, .everything) })
    static let staffAndSubjects: [AccessRole: Reach] = [
        .administrator: .everything, .auditor: .everything, .reviewer: .everything,
        .assessor: .assignedHouseholds, .resident: .ownRecord,
    ]
    /// The table, worked out once.
    static let rules: [APIOperation: PolicyRule] = Dictionary(uniqueKeysWithValues: APIOperation.allCases.map { ($0, row(for: $0)) })

    public static func rule(for operation: APIOperation) -> PolicyRule { rules[operation]! }

    static func row(for operation: APIOperation) -> PolicyRule {
        switch operation {
        case .getLiveness, .getOpenAPIDocument: return .open(.read)
        case .getMetrics: return .only(.read, [.administrator: .everything, .auditor: .everything])
        case .createSession: return .open(.write)
        case .deleteCurrentSession: return .only(.write, everyone)
        case .getCurrentPrincipal: return .only(.read, everyone)
        case .listAccounts: return .only(.read, [.administrator: .everything, .auditor: .everything])
        case .createAccount, .assignHouseholds, .issueToken, .revokeToken: return .only(.write, [.administrator: .everything])
        case .listJurisdictions, .getCurrentHandbook, .listPublicList, .listMeasures: return .open(.read)
        case .createJurisdiction, .createActor, .publishHandbook, .createSubjects, .closeCycle: return .only(.write, [.administrator: .everything])
        case .listActors: return .only(.read, [.administrator: .everything, .auditor: .everything, .reviewer: .everything])
        case .lintHandbook: return .only(.read, [.administrator: .everything])
        case .listSubjects:
            return .only(.read, [.administrator: .everything, .auditor: .everything, .reviewer: .everything, .assessor: .assignedHouseholds])
        case .getSubject, .listHouseholdMembers, .explainScore, .listSubjectEntries, .listSubjectReports, .getReport:
            return .only(.read, staffAndSubjects)
        case .listReports: return .only(.read, [.administrator: .everything, .auditor: .everything, .reviewer: .everything])
        case .fileReport: return .only(.write, [.assessor: .assignedHouseholds, .resident: .ownRecord])
        case .decideReport: return .only(.write, [.reviewer: .everything])
        case .uploadEvidence: return .only(.write, [.administrator: .everything, .assessor: .everything, .resident: .everything])
        case .getEvidence:
            return .only(.read, [.administrator: .everything, .auditor: .everything, .reviewer: .everything,
                                 .assessor: .ownUploads, .resident: .ownUploads])
        case .listCycles:
            return .only(.read, [.administrator: .everything, .auditor: .everything, .reviewer: .everything, .assessor: .everything])
        case .checkEligibility:
            return .only(.read, [.relyingParty: .registeredMeasures, .administrator: .everything, .auditor: .everything, .resident: .ownRecord])
        case .checkEligibilityBatch:
            return .only(.read, [.relyingParty: .registeredMeasures, .administrator: .everything, .auditor: .everything])
        case .exportEntries: return .only(.read, [.administrator: .everything, .auditor: .everything])
        case .getGradePath, .listSubjectNotices, .listSubjectAppeals: return .only(.read, staffAndSubjects)
        case .listAppeals: return .only(.read, [.administrator: .everything, .auditor: .everything, .reviewer: .everything])
        case .fileAppeal: return .only(.write, [.resident: .ownRecord])
        case .decideAppeal: return .only(.write, [.reviewer: .everything])
        case .getOversight: return .only(.read, [.administrator: .everything, .auditor: .everything])
        case .previewHandbook: return .only(.read, [.administrator: .everything])
        case .issueCertificate: return .only(.write, [.administrator: .everything, .resident: .ownRecord])
        case .verifyCertificate: return .open(.read)
        // The log is public by design: hashes and signatures only. A cosignature is checked against the
        // witness keys the server was configured with before it is kept.
        case .getLogCheckpoint, .getLogKey, .getLogTile, .getLogEntryProof, .getLogRecordProof, .getLogConsistency: return .open(.read)
        case .addLogCosignature: return .open(.write)
        // Remedies and corrections: staff who may record them in the registry (the engine checks the actor's
        // roles and recusal); reviewers and administrators reach every subject.
        case .recordRemedy, .correctEntry: return .only(.write, [.administrator: .everything, .reviewer: .everything])
        case .importAuthorityRecords, .addNoticeChannel, .refreshStandings: return .only(.write, [.administrator: .everything])
        case .getNotice, .getAppeal: return .only(.read, staffAndSubjects)
        case .listNoticeChannels, .verifyStandings: return .only(.read, [.administrator: .everything, .auditor: .everything])
        case .listAccessEvents: return .only(.read, [.administrator: .everything, .auditor: .everything])
        }
    }

    /// Admits a caller to an operation, or throws the problem to answer with:
    /// 401 without credentials, 403 for a role or token scope that may not call it.
    /// Returns how far the caller reaches (`.everything` for public operations).
    public static func admit(_ caller: Caller, to operation: APIOperation) throws(APIError) -> Reach {
        let rule = rule(for: operation)
        if rule.isPublic { return .everything }
        guard let account = caller.account, let token = caller.token else { throw .unauthorized }
        guard let reach = rule.roles[account.role] else {
            throw APIError(.forbidden, "the \(account.role.rawValue) role may not call \(operation.rawValue)")
        }
        guard token.scopes.contains(rule.access.scope) else {
            throw APIError(.forbidden, "this token lacks the '\(rule.access.rawValue)' scope that \(operation.rawValue) needs")
        }
        return reach
    }
}
