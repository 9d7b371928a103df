public import CivicCore
public import Testing
import Synchronization

/// Builds a fresh, empty store; each check calls it once per store it needs.
public typealias StoreFactory = @Sendable () async throws -> any Store

/// One behaviour every store must show, runnable against any store factory.
///
/// The checks use Swift Testing's `#expect`, so they must run inside a test:
/// a mismatch is recorded against the line of the check that found it, and the
/// check goes on to report every other mismatch too.
public struct StoreBehaviourCheck: Sendable, CustomTestStringConvertible {
    public let name: String
    public let run: @Sendable (_ makeStore: StoreFactory) async throws -> Void

    public init(_ name: String, _ run: @escaping @Sendable (_ makeStore: StoreFactory) async throws -> Void) {
        self.name = name
        self.run = run
    }

    public var testDescription: String { name }
}

/// The store behaviour suite: what the engine relies on from every `Store`.
///
/// `InMemoryStore` is the reference; SQLite (in memory and on disk) and later
/// PostgreSQL must pass the same checks. Run them as a parameterised test:
///
/// ```swift
/// @Test(arguments: StoreBehaviour.checks)
/// func sqliteInMemory(_ check: StoreBehaviourCheck) async throws {
///     try await check.run { try SQLiteStore.inMemory() }
/// }
/// ```
public enum StoreBehaviour {
    /// Every check, in a stable order.
    public static let checks: [StoreBehaviourCheck] = [
        StoreBehaviourCheck("registry round-trips", registryRoundTrips),
        StoreBehaviourCheck("handbooks round-trip in publication order", handbooksRoundTrip),
        StoreBehaviourCheck("reports, statuses and decisions round-trip", reportsRoundTrip),
        StoreBehaviourCheck("report queries filter and order", reportQueries),
        StoreBehaviourCheck("cycles round-trip in closing order", cyclesRoundTrip),
        StoreBehaviourCheck("entries round-trip with identical canonical bytes", entriesRoundTrip),
        StoreBehaviourCheck("the expected ledger head is checked", ledgerHeadIsChecked),
        StoreBehaviourCheck("the expected decision count is checked", decisionCountIsChecked),
        StoreBehaviourCheck("sequences must continue the ledger without gaps", sequencesMustBeContiguous),
        StoreBehaviourCheck("a duplicate id refuses the whole commit", duplicateIDsConflict),
        StoreBehaviourCheck("references to unknown records are refused", unknownReferencesAreRefused),
        StoreBehaviourCheck("a failed commit leaves nothing behind", failedCommitLeavesNothing),
        StoreBehaviourCheck("standings round-trip and are replaced, not duplicated", standingsRoundTripAndReplace),
        StoreBehaviourCheck("standings page in (subject, scheme) order", standingsPaging),
        StoreBehaviourCheck("a subject's standings come with its last entry's sequence", standingsAndLastEntry),
        StoreBehaviourCheck("a subject's snapshot holds what a question reads, and the catalog's counts", subjectSnapshot),
        StoreBehaviourCheck("listings are active from since up to, not including, endsOn", listingsAreDayExact),
        StoreBehaviourCheck("subjects page in id order", subjectsPaging),
        StoreBehaviourCheck("subject page ends are every n-th id in id order", subjectPageEnds),
        StoreBehaviourCheck("entries page in sequence order", entriesPaging),
        StoreBehaviourCheck("ledgers page by subject with their entries and standings", ledgersPaging),
        StoreBehaviourCheck("a selective ledger read decodes only the entries asked for", selectiveLedgerRead),
        StoreBehaviourCheck("held standings move their day and nothing else", heldStandingsMoveOnlyTheirDay),
        StoreBehaviourCheck("an empty commit changes nothing", emptyCommitChangesNothing),
    ] + dueProcessChecks

    // MARK: - Registry

    /// Jurisdictions, subjects and actors read back exactly, in id order, with every optional field set and unset.
    public static func registryRoundTrips(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore()
        let city = makeJurisdiction(id: "weihai", name: LocalizedText(en: "Weihai", zh: "威海"))
        let village = makeJurisdiction(id: "rongcheng", parent: "weihai")
        let household = makeSubject(id: "household-7", kind: .household, name: "Wang household")
        let person = makeSubject(
            id: "subject-1", name: "王芳 Wang Fang", household: "household-7", birthDate: makeDay("1941-06-30"),
            attributes: ["carer", "disability"], registeredOn: makeDay("2025-12-31"))
        let sibling = makeSubject(id: "subject-0", household: "household-7")
        let company = makeSubject(id: "org-1", kind: .organisation, name: "Rongcheng Fisheries Ltd", jurisdiction: "weihai")
        let assessor = makeActor(id: "assessor-1", roles: [.assessor, .resident], subject: "subject-1")
        let admin = makeActor(id: "admin-1", name: "Office", roles: [.administrator], jurisdiction: "weihai")
        try await store.commit(changes {
            $0.jurisdictions = [village, city]
            $0.subjects = [person, company, household, sibling]
            $0.actors = [assessor, admin]
        })

        #expect(try await store.jurisdictions() == [village, city])
        #expect(try await store.subject("subject-1") == person)
        #expect(try await store.subject("org-1") == company)
        #expect(try await store.subject("nobody") == nil)
        #expect(try await store.subjects(["subject-1", "nobody", "org-1", "subject-1"]) == [company, person])
        #expect(try await store.subjects([]) == [])
        #expect(try await store.members(of: "household-7") == [sibling, person])
        #expect(try await store.members(of: "subject-1") == [])
        #expect(try await store.subjectCount() == 4)
        #expect(try await store.actor("assessor-1") == assessor)
        #expect(try await store.actor("nobody") == nil)
        #expect(try await store.actors() == [admin, assessor])
    }

    // MARK: - Handbooks

    /// Published handbooks read back exactly, oldest first (not sorted), and a version is published once.
    public static func handbooksRoundTrip(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore()
        let second = makePublishedHandbook(makeHandbook(version: 2), source: "version: 2\n# 第二版\n", publishedOn: makeDay("2026-06-01"))
        let first = makePublishedHandbook(makeHandbook(version: 1))
        let other = makePublishedHandbook(makeHandbook(jurisdiction: "aardvark", version: 1))
        #expect(try await store.handbooks() == [])
        try await store.commit(changes { $0.handbooks = [second, other] })
        #expect(try await store.handbooks() == [second, other], "read once, and kept by a store that keeps them")
        try await store.commit(changes { $0.handbooks = [first] })
        #expect(try await store.handbooks() == [second, other, first], "a publication after the last read is read too")

        await expectRefusal(.conflict, "the same jurisdiction and version published twice") {
            try await store.commit(changes { $0.handbooks = [makePublishedHandbook(makeHandbook(version: 2), source: "other")] })
        }
        #expect(try await store.handbooks() == [second, other, first])
    }

    // MARK: - Workflow

    /// Reports read back with every optional field set and unset, their status
    /// (pending by default), and their decisions in (decided on, id) order.
    public static func reportsRoundTrip(_ makeStore: StoreFactory) async throws {
        let store = try await seededStore(makeStore)
        let full = makeReport(
            id: "report-full", reporterRole: .`self`, statement: "Helped read the water meter — 帮忙抄水表\nTwo photos.",
            evidence: [Evidence(kind: .photo, reference: "sha256:abc"), Evidence(kind: .video, reference: "https://example.org/v/1")],
            durationDays: 190, stars: 4, sourceRecord: "court:2026-17")
        let minimal = makeReport(id: "report-min", subject: "subject-2")
        let late = makeDecision(id: "d-b", report: "report-full", decidedOn: makeDay("2026-03-25"))
        let sameDay = makeDecision(id: "d-a", report: "report-full", reviewer: "reviewer-2", outcome: .reject, decidedOn: makeDay("2026-03-25"))
        let early = makeDecision(id: "d-z", report: "report-full", reviewer: "reviewer-3", outcome: .adjust(Points(hundredths: -150)), reason: "", decidedOn: makeDay("2026-03-20"))
        try await store.commit(changes {
            $0.reports = [full, minimal]
            $0.decisions = [late, sameDay, early]
            $0.reportStatuses = ["report-full": .approved]
        })

        #expect(try await store.report("report-full") == ReportRecord(report: full, status: .approved, decisions: [early, sameDay, late]))
        #expect(try await store.report("report-min") == ReportRecord(report: minimal, status: .pending, decisions: []))
        #expect(try await store.report("nobody") == nil)
        #expect(try await store.decision("d-z") == early)
        #expect(try await store.decision("nobody") == nil)

        // Status moves on; content and decisions stay.
        let rejection = makeDecision(id: "d-min", report: "report-min", outcome: .reject, decidedOn: makeDay("2026-03-26"))
        try await store.commit(changes {
            $0.decisions = [rejection]
            $0.reportStatuses = ["report-min": .rejected, "report-full": .entered]
        })
        #expect(try await store.report("report-min") == ReportRecord(report: minimal, status: .rejected, decisions: [rejection]))
        #expect(try await store.report("report-full")?.status == .entered)
        #expect(try await store.report("report-full")?.decisions == [early, sameDay, late])
    }

    /// `reports(statuses:throughCycle:)` and `reports(subject:)` filter exactly and
    /// order by (cycle, id); `reportID(sourceRecord:)` finds the smallest id.
    public static func reportQueries(_ makeStore: StoreFactory) async throws {
        let store = try await seededStore(makeStore)
        let reports = [
            makeReport(id: "r-4", cycle: makeMonth("2026-04")),
            makeReport(id: "r-3b", cycle: makeMonth("2026-03"), sourceRecord: "tax:77"),
            makeReport(id: "r-3a", subject: "subject-2", cycle: makeMonth("2026-03"), sourceRecord: "tax:77"),
            makeReport(id: "r-2", cycle: makeMonth("2026-02")),
            makeReport(id: "r-1", subject: "subject-2", cycle: makeMonth("2025-12")),
        ]
        let decision = makeDecision(id: "d-1", report: "r-3b")
        try await store.commit(changes {
            $0.reports = reports
            $0.decisions = [decision]
            $0.reportStatuses = ["r-3b": .approved, "r-2": .rejected, "r-1": .approved, "r-4": .approved]
        })

        let open = try await store.reports(statuses: [.pending, .approved], throughCycle: makeMonth("2026-03"))
        #expect(open.map(\.report.id) == ["r-1", "r-3a", "r-3b"])
        #expect(open.map(\.status) == [.approved, .pending, .approved])
        #expect(open.first { $0.report.id == "r-3b" }?.decisions == [decision])
        #expect(try await store.reports(statuses: [.rejected], throughCycle: makeMonth("2026-01")).isEmpty)
        #expect(try await store.reports(statuses: [.rejected], throughCycle: makeMonth("2026-02")).map(\.report.id) == ["r-2"])
        #expect(try await store.reports(statuses: [], throughCycle: makeMonth("2026-12")).isEmpty)
        #expect(try await store.reports(statuses: Set(ReportStatus.allCases), throughCycle: makeMonth("9999-12")).count == 5)

        #expect(try await store.reports(subject: "subject-1").map(\.report.id) == ["r-2", "r-3b", "r-4"])
        #expect(try await store.reports(subject: "subject-2").map(\.report.id) == ["r-1", "r-3a"])
        #expect(try await store.reports(subject: "nobody").isEmpty)

        #expect(try await store.reportID(sourceRecord: "tax:77") == "r-3a")
        #expect(try await store.reportID(sourceRecord: "tax:78") == nil)
    }

    /// Closed cycles read back in the order they were closed; a month closes once per jurisdiction.
    public static func cyclesRoundTrip(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore()
        let march = makeCycle()
        let february = makeCycle(jurisdiction: "aardvark", month: makeMonth("2026-02"), closedOn: makeDay("2026-04-02"))
        let april = makeCycle(month: makeMonth("2026-04"), closedOn: makeDay("2026-04-30"), closedBy: "admin-2")
        try await store.commit(changes { $0.cycles = [march, february] })
        try await store.commit(changes { $0.cycles = [april] })
        #expect(try await store.cycles() == [march, february, april])

        await expectRefusal(.conflict, "a month closed twice") {
            try await store.commit(changes { $0.cycles = [makeCycle(closedOn: makeDay("2026-04-01"))] })
        }
        #expect(try await store.cycles() == [march, february, april])
    }

    // MARK: - Ledger

    /// Entries read back exactly (every optional field set, and unset), with the
    /// same canonical bytes, by id, by subject and by sequence.
    public static func entriesRoundTrip(_ makeStore: StoreFactory) async throws {
        let store = try await seededStore(makeStore)
        #expect(try await store.ledgerHead() == 0)
        let full = makeEntryWithEveryField(sequence: 1)
        let minimal = makeEntry(sequence: 2, points: Points(hundredths: 50))
        let other = makeEntryWithEveryField(sequence: 3, id: "entry-other", subject: "subject-2")
        let negativeZeroNote = makeEntry(sequence: 4, kind: .remedy, points: .zero, effectiveOn: makeDay("1970-01-01"),
                                         recordedOn: makeDay("0001-01-01"))
        try await store.commit(changes(head: 0) { $0.entries = [full, minimal, other, negativeZeroNote] })

        #expect(try await store.ledgerHead() == 4)
        for entry in [full, minimal, other, negativeZeroNote] {
            let stored = try #require(try await store.entry(entry.id))
            #expect(stored == entry)
            #expect(stored.canonicalBytes == entry.canonicalBytes)
        }
        #expect(try await store.entry("nobody") == nil)
        #expect(try await store.entries(subject: "subject-1") == [full, minimal, negativeZeroNote])
        #expect(try await store.entries(subject: "subject-2") == [other])
        #expect(try await store.entries(subject: "nobody") == [])
        #expect(try await store.entries(after: 0, limit: 100) == [full, minimal, other, negativeZeroNote])

        let next = makeEntry(sequence: 5)
        try await store.commit(changes(head: 4) { $0.entries = [next] })
        #expect(try await store.ledgerHead() == 5)
        #expect(try await store.entries(after: 4, limit: 100) == [next])
    }

    /// A commit with entries made against another head fails with `concurrentWrite`
    /// and writes nothing; a commit without entries does not check the head.
    public static func ledgerHeadIsChecked(_ makeStore: StoreFactory) async throws {
        let store = try await seededStore(makeStore)
        try await store.commit(changes(head: 0) { $0.entries = [makeEntry(sequence: 1), makeEntry(sequence: 2)] })
        let before = try await StoreSnapshot.capture(store)

        for expected in [Int64(1), 3, 0] {
            await expectRefusal(.concurrentWrite, "expected head \(expected), actual 2") {
                try await store.commit(changes(head: expected) {
                    $0.subjects = [makeSubject(id: "subject-new")]
                    $0.entries = [makeEntry(sequence: expected + 1, id: "entry-new")]
                })
            }
        }
        await expectRefusal(.concurrentWrite, "entries without an expected head") {
            try await store.commit(changes(head: nil) { $0.entries = [makeEntry(sequence: 3)] })
        }
        #expect(try await StoreSnapshot.capture(store) == before)

        try await store.commit(changes(head: 99) { $0.subjects = [makeSubject(id: "subject-new")] })
        #expect(try await store.subject("subject-new") != nil)
    }

    /// A decision planned against a report's decisions is refused once another decision
    /// landed in between (two reviewers at once), and writes nothing.
    public static func decisionCountIsChecked(_ makeStore: StoreFactory) async throws {
        let store = try await seededStore(makeStore)
        try await store.commit(changes { $0.reports = [makeReport(id: "report-x")] })
        try await store.commit(changes {
            $0.decisions = [makeDecision(id: "d-1", report: "report-x")]
            $0.expectedDecisionCounts = ["report-x": 0]
        })
        let before = try await StoreSnapshot.capture(store)
        await expectRefusal(.concurrentWrite, "a second reviewer who planned before the first decision") {
            try await store.commit(changes {
                $0.decisions = [makeDecision(id: "d-2", report: "report-x", reviewer: "reviewer-2")]
                $0.reportStatuses = ["report-x": .approved]
                $0.expectedDecisionCounts = ["report-x": 0]
            })
        }
        #expect(try await StoreSnapshot.capture(store) == before)
        try await store.commit(changes {
            $0.decisions = [makeDecision(id: "d-2", report: "report-x", reviewer: "reviewer-2")]
            $0.expectedDecisionCounts = ["report-x": 1]
        })
        #expect(try await store.report("report-x")?.decisions.count == 2)
    }

    /// Entries must run on from the head, one by one: a gap, a repeat or a
    /// restart is refused (`corrupted` in the reference store) and writes nothing.
    public static func sequencesMustBeContiguous(_ makeStore: StoreFactory) async throws {
        let store = try await seededStore(makeStore)
        await expectRefusal(.corrupted, "an empty ledger starting at 0") {
            try await store.commit(changes(head: 0) { $0.entries = [makeEntry(sequence: 0)] })
        }
        await expectRefusal(.corrupted, "an empty ledger starting at 2") {
            try await store.commit(changes(head: 0) { $0.entries = [makeEntry(sequence: 2)] })
        }
        try await store.commit(changes(head: 0) { $0.entries = [makeEntry(sequence: 1), makeEntry(sequence: 2)] })
        let before = try await StoreSnapshot.capture(store)

        let refused: [(String, [Int64])] = [
            ("a gap after the head", [4]), ("a gap inside the commit", [3, 5]), ("a repeated sequence", [3, 3]),
            ("a sequence already used", [2]), ("a descending run", [4, 3]),
        ]
        for (what, sequences) in refused {
            await expectRefusal(.corrupted, Comment(rawValue: what)) {
                try await store.commit(changes(head: 2) {
                    $0.entries = sequences.enumerated().map { makeEntry(sequence: $1, id: Entry.ID("entry-new-\($0)")) }
                })
            }
        }
        #expect(try await StoreSnapshot.capture(store) == before)
    }

    /// An id used before, or twice in one commit, refuses the whole commit with
    /// `conflict`, for every kind of record; nothing of the commit is kept and
    /// the message carries no personal data.
    public static func duplicateIDsConflict(_ makeStore: StoreFactory) async throws {
        let store = try await seededStore(makeStore)
        try await store.commit(changes(head: 0) {
            $0.handbooks = [makePublishedHandbook()]
            $0.reports = [makeReport()]
            $0.decisions = [makeDecision()]
            $0.entries = [makeEntry(sequence: 1)]
            $0.cycles = [makeCycle()]
        })
        let before = try await StoreSnapshot.capture(store)
        let secret = "Zhang Secret-Name"

        /// Valid new records in every table, then `duplicate` appends its record last.
        func attempt(_ what: Comment, _ duplicate: (inout ChangeSet) -> Void) async {
            var set = changes(head: 1) {
                $0.jurisdictions = [makeJurisdiction(id: "new-village")]
                $0.subjects = [makeSubject(id: "new-subject", name: secret)]
                $0.actors = [makeActor(id: "new-actor", name: secret)]
                $0.handbooks = [makePublishedHandbook(makeHandbook(version: 9))]
                $0.reports = [makeReport(id: "new-report", statement: secret)]
                $0.decisions = [makeDecision(id: "new-decision", report: "new-report")]
                $0.reportStatuses = ["report-1": .entered]
                $0.entries = [makeEntry(sequence: 2, id: "new-entry", subject: "new-subject", note: secret)]
                $0.standings = [makeStanding(subject: "new-subject")]
                $0.cycles = [makeCycle(month: makeMonth("2026-04"))]
            }
            duplicate(&set)
            let error = await expectRefusal(.conflict, what) { try await store.commit(set) }
            if let error { #expect(!error.description.contains(secret), "the message names no person: \(what)") }
        }

        await attempt("jurisdiction used before") { $0.jurisdictions.append(makeJurisdiction()) }
        await attempt("jurisdiction twice in the commit") { $0.jurisdictions.append(makeJurisdiction(id: "new-village")) }
        await attempt("subject used before") { $0.subjects.append(makeSubject(name: secret)) }
        await attempt("subject twice in the commit") { $0.subjects.append(makeSubject(id: "new-subject", name: secret)) }
        await attempt("actor used before") { $0.actors.append(makeActor(name: secret)) }
        await attempt("actor twice in the commit") { $0.actors.append(makeActor(id: "new-actor")) }
        await attempt("handbook version published before") { $0.handbooks.append(makePublishedHandbook()) }
        await attempt("handbook version twice in the commit") { $0.handbooks.append(makePublishedHandbook(makeHandbook(version: 9))) }
        await attempt("report used before") { $0.reports.append(makeReport(statement: secret)) }
        await attempt("report twice in the commit") { $0.reports.append(makeReport(id: "new-report", statement: secret)) }
        await attempt("decision used before") { $0.decisions.append(makeDecision()) }
        await attempt("decision twice in the commit") { $0.decisions.append(makeDecision(id: "new-decision", report: "new-report")) }
        await attempt("entry used before") { $0.entries.append(makeEntry(sequence: 3, id: "entry-1", note: secret)) }
        await attempt("entry twice in the commit") { $0.entries.append(makeEntry(sequence: 3, id: "new-entry")) }
        await attempt("cycle closed before") { $0.cycles.append(makeCycle()) }
        await attempt("cycle twice in the commit") { $0.cycles.append(makeCycle(month: makeMonth("2026-04"))) }

        #expect(try await StoreSnapshot.capture(store) == before)
    }

    /// A decision or a status for an unknown report, or an entry for an unknown
    /// subject, is refused with `notFound` and writes nothing; the same records
    /// are accepted when what they name arrives in the same commit.
    public static func unknownReferencesAreRefused(_ makeStore: StoreFactory) async throws {
        let store = try await seededStore(makeStore)
        let before = try await StoreSnapshot.capture(store)
        await expectRefusal(.notFound, "decision for an unknown report") {
            try await store.commit(changes { $0.subjects = [makeSubject(id: "new")]; $0.decisions = [makeDecision(report: "nobody")] })
        }
        await expectRefusal(.notFound, "status for an unknown report") {
            try await store.commit(changes { $0.subjects = [makeSubject(id: "new")]; $0.reportStatuses = ["nobody": .approved] })
        }
        await expectRefusal(.notFound, "entry for an unknown subject") {
            try await store.commit(changes(head: 0) { $0.subjects = [makeSubject(id: "new")]; $0.entries = [makeEntry(sequence: 1, subject: "nobody")] })
        }
        #expect(try await StoreSnapshot.capture(store) == before)

        try await store.commit(changes(head: 0) {
            $0.subjects = [makeSubject(id: "new")]
            $0.reports = [makeReport(id: "new-report", subject: "new")]
            $0.decisions = [makeDecision(report: "new-report")]
            $0.reportStatuses = ["new-report": .entered]
            $0.entries = [makeEntry(sequence: 1, subject: "new", report: "new-report", decisions: ["decision-1"])]
        })
        #expect(try await store.report("new-report")?.status == .entered)
        #expect(try await store.entries(subject: "new").count == 1)
    }

    /// A large commit touching every table that fails on its very last record
    /// leaves the store exactly as it was: no subject, entry, standing or status of it survives.
    public static func failedCommitLeavesNothing(_ makeStore: StoreFactory) async throws {
        let store = try await seededStore(makeStore)
        try await store.commit(changes(head: 0) {
            $0.reports = [makeReport()]
            $0.entries = [makeEntry(sequence: 1)]
            $0.standings = [makeStanding()]
            $0.cycles = [makeCycle()]
        })
        let before = try await StoreSnapshot.capture(store)
        let count = 500
        await expectRefusal(.conflict, "a duplicate cycle after everything else") {
            try await store.commit(changes(head: 1) {
                $0.subjects = (0..<count).map { makeSubject(id: Subject.ID("bulk-\($0)")) }
                $0.entries = (0..<count).map { makeEntry(sequence: Int64($0) + 2, subject: Subject.ID("bulk-\($0)")) }
                $0.standings = (0..<count).map { makeStanding(subject: Subject.ID("bulk-\($0)"), listings: [makeListing()]) }
                    + [makeStandingWithEveryField()]
                $0.reportStatuses = ["report-1": .entered]
                $0.cycles = [makeCycle(month: makeMonth("2026-04")), makeCycle()]
            })
        }
        #expect(try await StoreSnapshot.capture(store) == before)
        #expect(try await store.listings(on: .black, activeOn: makeDay("2026-04-01"), limit: 10).isEmpty)
    }

    // MARK: - Projections

    /// Standings read back exactly (every part set, and unset); writing one for
    /// the same subject and scheme replaces it, listings included.
    public static func standingsRoundTripAndReplace(_ makeStore: StoreFactory) async throws {
        let store = try await seededStore(makeStore)
        let full = makeStandingWithEveryField()
        let minimal = makeStanding(scheme: "acivic", grade: nil)
        try await store.commit(changes { $0.standings = [full, minimal] })
        #expect(try await store.standings(subject: "subject-1") == [minimal, full])
        #expect(try await store.standings(subject: "nobody") == [])
        #expect(try await store.listings(on: .black, activeOn: makeDay("2026-03-31"), limit: 10).count == 1)

        var replacement = makeStanding(score: Points(990), listings: [makeListing(list: .red, criterion: "red-a", since: makeDay("2026-04-01"))])
        replacement.asOf = makeDay("2026-04-30")
        try await store.commit(changes { $0.standings = [replacement] })
        #expect(try await store.standings(subject: "subject-1") == [minimal, replacement])
        #expect(try await store.standings(after: nil, limit: 10) == [minimal, replacement])
        #expect(try await store.listings(on: .black, activeOn: makeDay("2026-03-31"), limit: 10).isEmpty)
        #expect(try await store.listings(on: .red, activeOn: makeDay("2026-04-01"), limit: 10).map(\.listing) == replacement.listings)

        // Twice in one commit: the last one wins.
        let last = makeStanding(score: Points(1_010))
        try await store.commit(changes { $0.standings = [full, last] })
        #expect(try await store.standings(subject: "subject-1") == [minimal, last])
        #expect(try await store.listings(on: .red, activeOn: makeDay("2026-04-01"), limit: 10).isEmpty)
        #expect(try await store.listings(on: .black, activeOn: makeDay("2026-03-31"), limit: 10).isEmpty)
    }

    /// `standings(after:limit:)` walks every standing once in (subject, scheme) order.
    /// `standingsAndLastEntry(subject:)` gives a subject's standings with its own last entry's sequence.
    public static func standingsAndLastEntry(_ makeStore: StoreFactory) async throws {
        let store = try await seededStore(makeStore)
        #expect(try await store.standingsAndLastEntry(subject: "subject-1") == ([], 0))
        try await store.commit(changes(head: 0) {
            $0.entries = [makeEntry(sequence: 1), makeEntry(sequence: 2, subject: "subject-2"), makeEntry(sequence: 3),
                          makeEntry(sequence: 4, subject: "subject-2")]
            $0.announceAdverseEntries()
            $0.standings = [makeStanding()]
        })
        let first = try await store.standingsAndLastEntry(subject: "subject-1")
        #expect(first.standings == [makeStanding()])
        #expect(first.lastEntry == 3, "its own last entry, not the ledger's")
        #expect(try await store.standingsAndLastEntry(subject: "subject-2") == ([], 4))
        #expect(try await store.standingsAndLastEntry(subject: "nobody") == ([], 0))
    }

    /// `subjectSnapshot(_:)` gives the subject, its standings with its own last entry's sequence, and how many
    /// handbook publications and jurisdictions there are, which move when either is added; nil for no subject.
    public static func subjectSnapshot(_ makeStore: StoreFactory) async throws {
        let store = try await seededStore(makeStore)
        #expect(try await store.subjectSnapshot("nobody") == nil)
        let empty = try #require(try await store.subjectSnapshot("subject-1"))
        #expect(empty == SubjectSnapshot(subject: makeSubject(), standings: [], lastEntry: 0,
                                         catalog: CatalogVersion(handbooks: 0, jurisdictions: 1)))
        try await store.commit(changes(head: 0) {
            $0.entries = [makeEntry(sequence: 1), makeEntry(sequence: 2, subject: "subject-2"), makeEntry(sequence: 3),
                          makeEntry(sequence: 4, subject: "subject-2")]
            $0.standings = [makeStandingWithEveryField()]
            $0.handbooks = [makePublishedHandbook()]
            $0.jurisdictions = [makeJurisdiction(id: "weihai", name: LocalizedText(en: "Weihai", zh: "威海"))]
        })
        let first = try #require(try await store.subjectSnapshot("subject-1"))
        #expect(first.subject == makeSubject())
        #expect(first.standings == [makeStandingWithEveryField()], "with its listings")
        #expect(first.standings == (try await store.standings(subject: "subject-1")))
        #expect(first.lastEntry == 3, "its own last entry, not the ledger's")
        #expect(first.catalog == CatalogVersion(handbooks: 1, jurisdictions: 2))
        let second = try #require(try await store.subjectSnapshot("subject-2"))
        #expect(second.standings.isEmpty && second.lastEntry == 4)
        try await store.commit(changes { $0.handbooks = [makePublishedHandbook(makeHandbook(version: 2))] })
        #expect(try await store.subjectSnapshot("subject-2")?.catalog == CatalogVersion(handbooks: 2, jurisdictions: 2))
    }

    public static func standingsPaging(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore()
        let keys = [("s-2", "b"), ("s-1", "b"), ("s-10", "a"), ("s-1", "a"), ("s-2", "a"), ("s-10", "b"), ("s-1", "ab")]
        let standings = keys.map { makeStanding(subject: Subject.ID($0.0), scheme: Scheme.ID($0.1), listings: [makeListing()]) }
        try await store.commit(changes { $0.standings = standings })
        let expected = standings.sorted { ($0.subject, $0.scheme) < ($1.subject, $1.scheme) }

        var seen: [Standing] = []
        var cursor: StandingKey?
        for _ in 0...keys.count {
            let page = try await store.standings(after: cursor, limit: 3)
            #expect(page.count <= 3)
            guard let last = page.last else { break }
            seen += page
            cursor = StandingKey(subject: last.subject, scheme: last.scheme)
        }
        #expect(seen == expected)
        #expect(try await store.standings(after: StandingKey(subject: "s-1", scheme: "zz"), limit: 2) == Array(expected[3..<5]))
        #expect(try await store.standings(after: nil, limit: 0) == [])
        #expect(try await store.standings(after: StandingKey(subject: "s-3", scheme: ""), limit: 5) == [])
    }

    /// A listing is active from `since` up to, not including, `endsOn`; listings
    /// come in (since, subject, scheme) order, only from the list asked for.
    public static func listingsAreDayExact(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore()
        let since = makeDay("2026-03-10"), endsOn = makeDay("2026-06-01")
        let bounded = makeListing(since: since, endsOn: endsOn, endReason: .termEnded, reason: "Fixed term")
        let open = makeListing(criterion: "court", since: since, entry: "entry-3", domain: .judicial, reason: "Court order")
        let earlier = makeListing(since: makeDay("2026-01-05"))
        let red = makeListing(list: .red, criterion: "red-a", since: makeDay("2026-01-01"))
        try await store.commit(changes {
            $0.standings = [
                makeStanding(subject: "s-b", listings: [bounded]),
                makeStanding(subject: "s-a", scheme: "tax", listings: [makeListing(since: makeDay("2025-01-01"), endsOn: makeDay("2025-02-01")), open]),
                makeStanding(subject: "s-c", listings: [earlier, red]),
            ]
        })
        func listed(_ day: Day) async throws -> [String] {
            try await store.listings(on: .black, activeOn: day, limit: 100).map { "\($0.subject)/\($0.scheme)/\($0.listing.criterion)" }
        }
        #expect(try await listed(since.adding(days: -1)) == ["s-c/civic/black-c"])
        #expect(try await listed(since) == ["s-c/civic/black-c", "s-a/tax/court", "s-b/civic/black-c"])
        #expect(try await listed(endsOn.adding(days: -1)) == ["s-c/civic/black-c", "s-a/tax/court", "s-b/civic/black-c"])
        #expect(try await listed(endsOn) == ["s-c/civic/black-c", "s-a/tax/court"])
        #expect(try await listed(makeDay("2025-01-31")) == ["s-a/tax/black-c"])
        #expect(try await listed(makeDay("2025-02-01")) == [])

        let full = try await store.listings(on: .black, activeOn: since, limit: 2)
        #expect(full == [ListedSubject(subject: "s-c", scheme: "civic", listing: earlier),
                         ListedSubject(subject: "s-a", scheme: "tax", listing: open)])
        #expect(try await store.listings(on: .red, activeOn: since, limit: 10) == [ListedSubject(subject: "s-c", scheme: "civic", listing: red)])
        #expect(try await store.listings(on: .black, activeOn: since, limit: 0) == [])
    }

    /// `subjects(after:limit:)` walks every subject once, in id order (byte order, so "s-10" before "s-2").
    public static func subjectsPaging(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore()
        let ids: [Subject.ID] = ["s-2", "s-10", "s-1", "a", "s-3", "z", "s-20"]
        try await store.commit(changes { $0.subjects = ids.map { makeSubject(id: $0) } })
        var seen: [Subject.ID] = []
        var cursor: Subject.ID?
        for _ in 0...ids.count {
            let page = try await store.subjects(after: cursor, limit: 3)
            #expect(page.count <= 3)
            guard let last = page.last else { break }
            seen += page.map(\.id)
            cursor = last.id
        }
        #expect(seen == ids.sorted())
        #expect(try await store.subjects(after: "s-10", limit: 2).map(\.id) == ["s-2", "s-20"])
        #expect(try await store.subjects(after: "s-0", limit: 1).map(\.id) == ["s-1"])
        #expect(try await store.subjects(after: nil, limit: 0) == [])
        #expect(try await store.subjects(after: "zz", limit: 10) == [])
    }

    /// `subjectIDs(every:)` names the last subject of each full page, in the same byte order as the paging.
    public static func subjectPageEnds(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore()
        #expect(try await store.subjectIDs(every: 1) == [], "no subjects, no pages")
        let ids: [Subject.ID] = ["s-2", "s-10", "s-1", "a", "s-3", "z", "s-20", "B"]
        try await store.commit(changes { $0.subjects = ids.map { makeSubject(id: $0) } })
        let sorted = ids.sorted()
        #expect(sorted.first == "B", "byte order: capitals first")
        #expect(try await store.subjectIDs(every: 3) == [sorted[2], sorted[5]])
        #expect(try await store.subjectIDs(every: 1) == sorted)
        #expect(try await store.subjectIDs(every: 8) == [sorted[7]])
        #expect(try await store.subjectIDs(every: 9) == [])
    }

    /// `entries(after:limit:)` walks the ledger once, in sequence order.
    public static func entriesPaging(_ makeStore: StoreFactory) async throws {
        let store = try await seededStore(makeStore)
        let entries = (1...7).map { makeEntry(sequence: Int64($0), subject: $0.isMultiple(of: 2) ? "subject-2" : "subject-1") }
        try await store.commit(changes(head: 0) { $0.entries = Array(entries[0..<4]) })
        try await store.commit(changes(head: 4) { $0.entries = Array(entries[4...]) })
        var seen: [Entry] = []
        var cursor: Int64 = 0
        for _ in 0...entries.count {
            let page = try await store.entries(after: cursor, limit: 3)
            #expect(page.count <= 3)
            guard let last = page.last else { break }
            seen += page
            cursor = last.sequence
        }
        #expect(seen == entries)
        #expect(try await store.entries(after: 5, limit: 1) == [entries[5]])
        #expect(try await store.entries(after: 7, limit: 10) == [])
        #expect(try await store.entries(after: 0, limit: 0) == [])
    }

    /// `ledgers(after:limit:)` pages subjects in id order, each with exactly its
    /// own entries (sequence order) and standings (scheme order, with listings),
    /// and subjects without any record included.
    public static func ledgersPaging(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore()
        let ids: [Subject.ID] = ["s-1", "s-10", "s-2", "s-20", "s-3"]
        let entries = (1...12).map { makeEntry(sequence: Int64($0), subject: ids[($0 * 7) % 4]) }
        let standings = [
            makeStanding(subject: "s-2", scheme: "tax"), makeStandingWithEveryField(subject: "s-2"),
            makeStanding(subject: "s-1"), makeStanding(subject: "s-3", scheme: "b", listings: [makeListing()]),
        ]
        try await store.commit(changes(head: 0) {
            $0.subjects = ids.reversed().map { makeSubject(id: $0) }
            $0.entries = entries
            $0.standings = standings
        })

        var pages: [[SubjectLedger]] = []
        var cursor: Subject.ID?
        for _ in 0...ids.count {
            let page = try await store.ledgers(after: cursor, limit: 2)
            #expect(page.count <= 2)
            guard let last = page.last else { break }
            pages.append(page)
            cursor = last.subject.id
        }
        let all = pages.flatMap { $0 }
        #expect(pages.count == 3)
        #expect(all.map(\.subject) == ids.sorted().map { makeSubject(id: $0) })
        for ledger in all {
            #expect(ledger.entries == entries.filter { $0.subject == ledger.subject.id }, "entries of \(ledger.subject.id)")
            #expect(ledger.standings == standings.filter { $0.subject == ledger.subject.id }.sorted { $0.scheme < $1.scheme },
                    "standings of \(ledger.subject.id)")
        }
        #expect(all.first { $0.subject.id == "s-20" }?.entries.isEmpty == false)
        #expect(all.first { $0.subject.id == "s-3" }?.entries.isEmpty == true)
        #expect(try await store.ledgers(after: "s-3", limit: 5).isEmpty)
        #expect(try await store.ledgers(after: nil, limit: 0).isEmpty)
    }

    /// `ledgers(after:limit:readingEntries:)` asks about every subject of the page with its stored
    /// standings and the sequence of its last entry, and returns entries exactly for those it wants;
    /// the rest come back marked unread, with their standings. Both a few and most of a page wanted.
    public static func selectiveLedgerRead(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore()
        let ids: [Subject.ID] = (1...8).map { Subject.ID("s-\($0)") }
        let entries = (1...20).map { makeEntry(sequence: Int64($0), subject: ids[($0 * 3) % 7]) }  // s-8 has none
        let standings = ids.map { makeStanding(subject: $0, nextChange: makeDay("2026-05-01"), foldedThrough: 4) }
        try await store.commit(changes(head: 0) {
            $0.subjects = ids.map { makeSubject(id: $0) }
            $0.entries = entries
            $0.standings = standings
        })
        for wantedIDs in [Set<Subject.ID>(["s-3"]), Set(ids.filter { $0 != "s-5" })] {
            let asked = Mutex<[Subject.ID: (standings: [Standing], last: Int64)]>([:])
            let page = try await store.ledgers(after: nil, limit: 100) { subject, stored, last in
                asked.withLock { $0[subject.id] = (stored, last) }
                return wantedIDs.contains(subject.id)
            }
            #expect(page.map(\.subject.id) == ids)
            let questions = asked.withLock { $0 }
            for id in ids {
                let own = entries.filter { $0.subject == id }
                #expect(questions[id]?.last == (own.last?.sequence ?? 0), "last entry of \(id)")
                #expect(questions[id]?.standings == standings.filter { $0.subject == id }, "standings of \(id)")
                let ledger = try #require(page.first { $0.subject.id == id })
                #expect(ledger.standings == standings.filter { $0.subject == id })
                #expect(ledger.entriesRead == wantedIDs.contains(id), "\(id) read")
                #expect(ledger.entries == (wantedIDs.contains(id) ? own : []), "entries of \(id)")
            }
        }
    }

    /// A change set's held standings get the new day and keep every other field; one stored for a
    /// later day keeps its own; standings and held standings in one commit both land.
    public static func heldStandingsMoveOnlyTheirDay(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore()
        let full = makeStandingWithEveryField(subject: "s-1")
        let later = makeStanding(subject: "s-2", asOf: makeDay("2026-06-30"), nextChange: makeDay("2026-09-01"), foldedThrough: 0)
        try await store.commit(changes(head: 0) {
            $0.subjects = ["s-1", "s-2", "s-3"].map { makeSubject(id: $0) }
            $0.standings = [full, later]
        })
        let replaced = makeStanding(subject: "s-3", asOf: makeDay("2026-04-30"), score: Points(990), nextChange: makeDay("2026-05-02"), foldedThrough: 0)
        try await store.commit(changes {
            $0.standings = [replaced]
            $0.heldStandings = HeldStandings(asOf: makeDay("2026-04-30"), keys: [
                StandingKey(subject: "s-1", scheme: full.scheme), StandingKey(subject: "s-2", scheme: later.scheme)])
        })
        var moved = full
        moved.asOf = makeDay("2026-04-30")
        #expect(try await store.standings(subject: "s-1") == [moved])
        #expect(try await store.standings(subject: "s-2") == [later])
        #expect(try await store.standings(subject: "s-3") == [replaced])

        // Across a new year the points earned move with the day: this year's become last year's, and two
        // years on both are gone (EarnedPoints.seen(from:)); everything else stays.
        let december = makeStanding(subject: "s-4", asOf: makeDay("2026-12-31"), earned: EarnedPoints(year: 2026, thisYear: Points(3), previousYear: Points(1)),
                                    nextChange: makeDay("2028-06-01"), foldedThrough: 0)
        let old = makeStanding(subject: "s-5", asOf: makeDay("2025-11-30"), earned: EarnedPoints(year: 2025, thisYear: Points(4), previousYear: Points(2)),
                               nextChange: makeDay("2028-06-01"), foldedThrough: 0)
        try await store.commit(changes {
            $0.subjects = [makeSubject(id: "s-4"), makeSubject(id: "s-5")]
            $0.standings = [december, old]
        })
        try await store.commit(changes {
            $0.heldStandings = HeldStandings(asOf: makeDay("2027-01-31"), keys: [
                StandingKey(subject: "s-4", scheme: december.scheme), StandingKey(subject: "s-5", scheme: old.scheme)])
        })
        var decemberMoved = december, oldMoved = old
        decemberMoved.asOf = makeDay("2027-01-31")
        decemberMoved.earned = EarnedPoints(year: 2027, thisYear: .zero, previousYear: Points(3))
        oldMoved.asOf = makeDay("2027-01-31")
        oldMoved.earned = EarnedPoints(year: 2027, thisYear: .zero, previousYear: .zero)
        #expect(try await store.standings(subject: "s-4") == [decemberMoved])
        #expect(try await store.standings(subject: "s-5") == [oldMoved])
        #expect(december.earned.seen(from: 2027) == decemberMoved.earned && old.earned.seen(from: 2027) == oldMoved.earned)
    }

    /// An empty change set commits and changes nothing, whatever head it names.
    public static func emptyCommitChangesNothing(_ makeStore: StoreFactory) async throws {
        let store = try await seededStore(makeStore)
        let before = try await StoreSnapshot.capture(store)
        try await store.commit(ChangeSet())
        try await store.commit(ChangeSet(expectedLedgerHead: 42))
        #expect(try await StoreSnapshot.capture(store) == before)
    }

    // MARK: - Helpers

    /// A store holding the jurisdiction "rongcheng", subjects "subject-1" and
    /// "subject-2", and actors "assessor-1", "reviewer-1" and "admin-1".
    static func seededStore(_ makeStore: StoreFactory) async throws -> any Store {
        let store = try await makeStore()
        try await store.commit(changes {
            $0.jurisdictions = [makeJurisdiction()]
            $0.subjects = [makeSubject(), makeSubject(id: "subject-2", name: "Zhao Lei")]
            $0.actors = [makeActor(), makeActor(id: "reviewer-1", roles: [.reviewer]), makeActor(id: "admin-1", roles: [.administrator])]
        })
        return store
    }

    static func changes(head: Int64? = nil, _ build: (inout ChangeSet) -> Void) -> ChangeSet {
        var set = ChangeSet(expectedLedgerHead: head)
        build(&set)
        set.announceAdverseEntries()
        return set
    }

    /// Expects `body` to throw a `CivicError` with `code`; returns the error.
    @discardableResult
    static func expectRefusal(
        _ code: CivicError.Code, _ what: Comment, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async -> CivicError? {
        do {
            try await body()
            Issue.record("expected a \(code) error, but it succeeded: \(what)", sourceLocation: sourceLocation)
        } catch let error as CivicError {
            #expect(error.code == code, "\(what): \(error)", sourceLocation: sourceLocation)
            return error
        } catch {
            Issue.record("expected a CivicError \(code), got \(type(of: error)): \(what)", sourceLocation: sourceLocation)
        }
        return nil
    }
}

/// Everything a store holds, read through the `Store` protocol: for checking
/// that a refused commit left nothing behind.
public struct StoreSnapshot: Hashable, Sendable {
    public var jurisdictions: [Jurisdiction]
    public var subjects: [Subject]
    public var actors: [Actor]
    public var handbooks: [PublishedHandbook]
    public var reports: [ReportRecord]
    public var cycles: [Cycle]
    public var ledgerHead: Int64
    public var entries: [Entry]
    public var standings: [Standing]
    public var notices: [Notice]
    public var appeals: [AppealRecord]
    public var deliveryChannels: [DeliveryChannel]
    /// Every pending delivery with, for each notice, its deliveries and attempts.
    public var deliveries: [NoticeDelivery]
    public var deliveryAttempts: [DeliveryAttempt]

    /// Bounds the reads so that a broken store cannot loop forever.
    public static let pagesMax = 10_000
    public static let pageSize = 1_000

    public static func capture(_ store: any Store) async throws -> StoreSnapshot {
        var subjects: [Subject] = []
        var entries: [Entry] = []
        var standings: [Standing] = []
        for _ in 0..<pagesMax {
            let page = try await store.subjects(after: subjects.last?.id, limit: pageSize)
            subjects += page
            if page.count < pageSize { break }
        }
        for _ in 0..<pagesMax {
            let page = try await store.entries(after: entries.last?.sequence ?? 0, limit: pageSize)
            entries += page
            if page.count < pageSize { break }
        }
        for _ in 0..<pagesMax {
            let page = try await store.standings(after: standings.last.map { StandingKey(subject: $0.subject, scheme: $0.scheme) }, limit: pageSize)
            standings += page
            if page.count < pageSize { break }
        }
        var notices: [Notice] = []
        for _ in 0..<pagesMax {
            let page = try await store.notices(after: notices.last?.id, limit: pageSize)
            notices += page
            if page.count < pageSize { break }
        }
        var appeals: [AppealRecord] = []
        var deliveries: [NoticeDelivery] = []
        var attempts: [DeliveryAttempt] = []
        for subject in subjects { appeals += try await store.appeals(subject: subject.id) }
        for notice in notices {
            deliveries += try await store.deliveries(notice: notice.id)
            attempts += try await store.deliveryAttempts(notice: notice.id)
        }
        return StoreSnapshot(
            jurisdictions: try await store.jurisdictions(), subjects: subjects, actors: try await store.actors(),
            handbooks: try await store.handbooks(),
            reports: try await store.reports(statuses: Set(ReportStatus.allCases), throughCycle: Month(year: 9999, month: 12)!),
            cycles: try await store.cycles(), ledgerHead: try await store.ledgerHead(), entries: entries, standings: standings,
            notices: notices, appeals: appeals, deliveryChannels: try await store.deliveryChannels(), deliveries: deliveries,
            deliveryAttempts: attempts)
    }
}
