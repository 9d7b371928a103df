@testable import CivicCLI
import CivicCore
import CivicDemo
import CivicPostgres
import CivicSQLite
import CivicTesting
import Foundation
import Testing

/// `migrate-store`'s copier against real stores: every kind of record arrives, and verification notices a difference.
@Suite(.enabled(if: PostgresScratch.url != nil, "CIVIC_TEST_POSTGRES_URL is not set: PostgreSQL copy tests skipped"))
struct StoreCopierTests {
    @Test func copiesEveryRecordIncludingDueProcessAndVerifies() async throws {
        // A seeded demo plus a delivery channel, deliveries, attempts and a decided appeal move from SQLite to
        // PostgreSQL; both stores then read back identically, and a record added to the target fails verification.
        let source = try SQLiteStore.inMemory()
        _ = try await DemoRun(store: source, options: DemoRun.Options(residents: 80, seed: 11, endMonth: Month(year: 2026, month: 4)!)).run()
        let notices = try await source.notices(after: nil, limit: 3)
        let disputed = try #require(try await source.entries(after: 0, limit: 100_000).first { $0.kind == .deed && $0.isAdverse })
        let channel = DeliveryChannel(id: "letters", kind: .spool, target: "/var/spool/civic")
        var extra = ChangeSet()
        extra.actors = [Actor(id: "appellant", name: "A", roles: [.resident], jurisdiction: disputed.handbookJurisdiction),
                        Actor(id: "appeal-board", name: "B", roles: [.reviewer], jurisdiction: disputed.handbookJurisdiction)]
        extra.deliveryChannels = [channel]
        extra.deliveries = notices.map { NoticeDelivery(notice: $0.id, channel: "letters", status: .delivered, attempts: 1, nextAttemptAt: 0, deliveredAt: 5) }
        extra.deliveryAttempts = notices.map { DeliveryAttempt(notice: $0.id, channel: "letters", number: 1, at: 5, succeeded: true, error: nil) }
        extra.appeals = [Appeal(id: "appeal-1", subject: disputed.subject, scheme: disputed.scheme, entry: disputed.id, disputes: .entry,
                                filedBy: "appellant", filedOn: disputed.effectiveOn, statement: "Not me — 不是我", evidence: [],
                                decideBy: disputed.effectiveOn.adding(days: 30))]
        extra.appealDecisions = [AppealDecision(appeal: "appeal-1", reviewer: "appeal-board", outcome: .dismissed, reason: "Seen on camera? No: two witnesses.",
                                                decidedOn: disputed.effectiveOn.adding(days: 10))]
        try await source.commit(extra)
        #expect(notices.count == 3)

        let settings = try PostgresScratch.settings()
        let target = try await PostgresStore(settings: settings)
        do {
            let copier = StoreCopier(source: source, target: target, pageSize: 97)
            let counts = try await copier.copy(progress: nil)
            #expect(counts["appeals"] == 1 && counts["appeal decisions"] == 1 && counts["delivery attempts"] == 3)
            #expect((counts["notices"] ?? 0) > 10 && (counts["entries"] ?? 0) > 100)
            let verification = try await copier.verify(progress: nil)
            #expect(verification.entryChecksum.count == 64)
            #expect(try await StoreSnapshot.capture(source) == StoreSnapshot.capture(target))
            #expect(try await target.integrityCheck() == [])

            var stray = ChangeSet()
            stray.subjects = [makeSubject(id: "zz-stray", jurisdiction: disputed.handbookJurisdiction)]
            try await target.commit(stray)
            await #expect(throws: CivicError.self) { try await copier.verify(progress: nil) }
        } catch {
            await target.close()
            try? await PostgresScratch.drop(settings)
            throw error
        }
        await target.close()
        try await PostgresScratch.drop(settings)
    }
}
