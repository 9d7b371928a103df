/// A notice to a subject: every adverse event (a negative entry, a grade fall, a
/// listing, a measure lost) and every favourable one. It says what happened, under
/// which rule and handbook version, on what evidence, with what effect, how to
/// remedy it and how and by when to appeal.
///
/// Notices are written in the same transaction as the change they announce, so
/// nothing takes effect before its notice exists. They are immutable; delivery
/// to outside channels is tracked separately (`NoticeDelivery`).
public struct Notice: Hashable, Sendable, Codable, Identifiable {
    public typealias ID = Identifier<Notice>

    public var id: ID
    public var subject: Subject.ID
    public var scheme: Scheme.ID?
    public var kind: Kind
    public var tone: Tone
    public var createdOn: Day
    public var entry: Entry.ID?
    public var report: Report.ID?
    public var appeal: Appeal.ID?
    public var rule: Rule.ID?
    public var ruleTitle: LocalizedText?
    public var handbookJurisdiction: Jurisdiction.ID?
    public var handbookVersion: Int?
    public var points: Points?
    public var evidence: [Evidence]
    public var effect: Effect?
    public var remedy: LocalizedText?
    /// The last day to file an appeal.
    public var appealBy: Day?
    /// For a warning: the last day to put the fault right before anything is deducted.
    public var cureBy: Day?
    /// One sentence in plain words; the fields above hold the facts for any language.
    public var summary: String

    public init(id: ID, subject: Subject.ID, scheme: Scheme.ID?, kind: Kind, tone: Tone, createdOn: Day, entry: Entry.ID? = nil,
                report: Report.ID? = nil, appeal: Appeal.ID? = nil, rule: Rule.ID? = nil, ruleTitle: LocalizedText? = nil,
                handbookJurisdiction: Jurisdiction.ID? = nil, handbookVersion: Int? = nil, points: Points? = nil,
                evidence: [Evidence] = [], effect: Effect? = nil, remedy: LocalizedText? = nil, appealBy: Day? = nil,
                cureBy: Day? = nil, summary: String) {
        self.id = id
        self.subject = subject
        self.scheme = scheme
        self.kind = kind
        self.tone = tone
        self.createdOn = createdOn
        self.entry = entry
        self.report = report
        self.appeal = appeal
        self.rule = rule
        self.ruleTitle = ruleTitle
        self.handbookJurisdiction = handbookJurisdiction
        self.handbookVersion = handbookVersion
        self.points = points
        self.evidence = evidence
        self.effect = effect
        self.remedy = remedy
        self.appealBy = appealBy
        self.cureBy = cureBy
        self.summary = summary
    }

    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// A deed or rating entered in the ledger.
        case entryRecorded = "entry-recorded"
        /// An approved fault with a grace period: put it right by `cureBy` and nothing is deducted.
        case warning
        /// Grade, lists or measures changed.
        case standingChanged = "standing-changed"
        case remedyRecorded = "remedy-recorded"
        case correctionRecorded = "correction-recorded"
        case appealFiled = "appeal-filed"
        case appealDecided = "appeal-decided"
    }

    public enum Tone: String, Hashable, Sendable, Codable, CaseIterable { case adverse, favourable, neutral }

    /// What changed in the subject's standing.
    public struct Effect: Hashable, Sendable, Codable {
        public var scoreBefore: Points?
        public var scoreAfter: Points
        public var gradeBefore: Grade?
        public var gradeAfter: Grade?
        /// "black/court-defaulters": lists joined and left.
        public var listed: [String]
        public var delisted: [String]
        public var measuresLost: [Measure.ID]
        public var measuresGained: [Measure.ID]
        /// A lock-in that now holds the grade down: its last day.
        public var lockedUntil: Day?

        public init(scoreBefore: Points?, scoreAfter: Points, gradeBefore: Grade?, gradeAfter: Grade?, listed: [String] = [],
                    delisted: [String] = [], measuresLost: [Measure.ID] = [], measuresGained: [Measure.ID] = [], lockedUntil: Day? = nil) {
            self.scoreBefore = scoreBefore
            self.scoreAfter = scoreAfter
            self.gradeBefore = gradeBefore
            self.gradeAfter = gradeAfter
            self.listed = listed
            self.delisted = delisted
            self.measuresLost = measuresLost
            self.measuresGained = measuresGained
            self.lockedUntil = lockedUntil
        }

        public var isEmpty: Bool {
            scoreBefore == scoreAfter && gradeBefore == gradeAfter && listed.isEmpty && delisted.isEmpty
                && measuresLost.isEmpty && measuresGained.isEmpty
        }
    }
}

/// An outside channel notices are sent through, besides the resident portal
/// (which reads them straight from the store).
public struct DeliveryChannel: Hashable, Sendable, Codable, Identifiable {
    public typealias ID = Identifier<DeliveryChannel>

    public var id: ID
    public var kind: Kind
    /// Webhook: the URL posted to. Spool: the directory files are written to.
    public var target: String
    /// Only notices to subjects of this jurisdiction (and below); `nil` for all.
    public var jurisdiction: Jurisdiction.ID?
    /// Webhook: the key of the HMAC-SHA256 signature header, so the receiver can tell the sender is genuine.
    public var secret: String?

    public init(id: ID, kind: Kind, target: String, jurisdiction: Jurisdiction.ID? = nil, secret: String? = nil) {
        self.id = id
        self.kind = kind
        self.target = target
        self.jurisdiction = jurisdiction
        self.secret = secret
    }

    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// POST the notice as JSON to an operator's endpoint (an SMS or letter gateway).
        case webhook
        /// Write the notice as a JSON file into a directory another program picks up.
        case spool
    }
}

/// Where the delivery of one notice through one channel stands. Replaced as
/// attempts are made; every attempt is also logged (`DeliveryAttempt`).
public struct NoticeDelivery: Hashable, Sendable, Codable {
    public var notice: Notice.ID
    public var channel: DeliveryChannel.ID
    public var status: Status
    public var attempts: Int
    /// Seconds since 1970 UTC: when to try next.
    public var nextAttemptAt: Int64
    public var lastError: String?
    public var deliveredAt: Int64?

    public init(notice: Notice.ID, channel: DeliveryChannel.ID, status: Status = .pending, attempts: Int = 0,
                nextAttemptAt: Int64, lastError: String? = nil, deliveredAt: Int64? = nil) {
        self.notice = notice
        self.channel = channel
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.deliveredAt = deliveredAt
    }

    /// A delivery is never given up: it stays pending, retried ever less often, until it succeeds.
    public enum Status: String, Hashable, Sendable, Codable, CaseIterable { case pending, delivered }

    /// Seconds to wait after `attempts` failed attempts: 1 min, 5 min, 30 min, 2 h, 6 h, then every 24 h.
    public static func backoff(afterAttempts attempts: Int) -> Int64 {
        let steps: [Int64] = [60, 300, 1_800, 7_200, 21_600]
        return attempts >= 1 && attempts <= steps.count ? steps[attempts - 1] : 86_400
    }
}

/// One attempt to deliver a notice: the append-only log behind `NoticeDelivery`.
public struct DeliveryAttempt: Hashable, Sendable, Codable {
    public var notice: Notice.ID
    public var channel: DeliveryChannel.ID
    public var number: Int
    public var at: Int64
    public var succeeded: Bool
    public var error: String?

    public init(notice: Notice.ID, channel: DeliveryChannel.ID, number: Int, at: Int64, succeeded: Bool, error: String?) {
        self.notice = notice
        self.channel = channel
        self.number = number
        self.at = at
        self.succeeded = succeeded
        self.error = error
    }
}
