@testable import CivicCore
import CivicTesting
import Testing

/// A pass over every ledger (a close, a refresh, a verification) reads several pages at once, each from
/// where `Store.subjectIDs(every:)` said a page ends. Subjects registered after those ends were read
/// move the pages; whatever they do, every subject must reach the pass exactly once, in id order.
@Suite struct LedgerPassTests {
    static func ids(_ numbers: some Sequence<Int>) -> [Subject.ID] {
        numbers.map { Subject.ID("s-\(String(repeating: "0", count: 3 - String($0).count))\($0)") }
    }

    static func world(_ count: Int) async throws -> TestWorld {
        let scheme = pointsScheme(rules: [rule("help", Points(5), category: "volunteering")])
        return try await TestWorld.make(schemes: [scheme], subjects: ids(stride(from: 10, through: count * 10, by: 10)).map { person($0) })
    }

    /// Every subject the pass handed over, in the order it handed them, and the pages' sizes.
    static func pass(_ world: TestWorld, pageSize: Int, pageEnds: [Subject.ID]? = nil) async throws -> (ids: [Subject.ID], pages: [Int]) {
        var seen: [Subject.ID] = [], pages: [Int] = []
        try await world.engine(on: day("2026-01-31")).forEachLedgerPage(phase: "test", progress: nil, pageSize: pageSize, pageEnds: pageEnds) { page in
            seen += page.map(\.subject.id)
            pages.append(page.count)
        }
        return (seen, pages)
    }

    @Test func pagesEndWhereTheStoreSays() async throws {
        let world = try await Self.world(10)
        #expect(try await world.store.subjectIDs(every: 3) == Self.ids([30, 60, 90]))
        #expect(try await world.store.subjectIDs(every: 10) == Self.ids([100]))
        #expect(try await world.store.subjectIDs(every: 11) == [])
        let pass = try await Self.pass(world, pageSize: 3)
        #expect(pass.ids == Self.ids(stride(from: 10, through: 100, by: 10)))
        #expect(pass.pages == [3, 3, 3, 1])
    }

    @Test func subjectsRegisteredAfterThePageEndsWereReadAreEachHandedOnce() async throws {
        let world = try await Self.world(10)
        let ends = try await world.store.subjectIDs(every: 3)
        // Inside the first page, inside the third, and past the last page's end.
        try await world.engine(on: day("2026-01-01")).addSubjects(Self.ids([5, 15, 25, 75, 105, 110, 120, 130]).map { person($0) })
        let pass = try await Self.pass(world, pageSize: 3, pageEnds: ends)
        let everyone = await world.store.subjects(after: nil, limit: 100).map(\.id)
        #expect(pass.ids == everyone, "every subject once, in id order")
        #expect(pass.pages.allSatisfy { $0 <= 3 })
    }

    @Test func pageEndsCloserThanAPageOverlapAndAreNotHandedTwice() async throws {
        let world = try await Self.world(10)
        let pass = try await Self.pass(world, pageSize: 3, pageEnds: try await world.store.subjectIDs(every: 2))
        #expect(pass.ids == Self.ids(stride(from: 10, through: 100, by: 10)))
    }

    @Test func pageEndsFartherThanAPageLeaveGapsThatAreReadOn() async throws {
        let world = try await Self.world(10)
        let pass = try await Self.pass(world, pageSize: 3, pageEnds: try await world.store.subjectIDs(every: 5))
        #expect(pass.ids == Self.ids(stride(from: 10, through: 100, by: 10)))
        #expect(pass.pages == [3, 2, 3, 2], "each page reads 3; the rest up to the next end is read on")
    }

    @Test func anEmptyRegistryIsAnEmptyPass() async throws {
        let world = try await Self.world(0)
        let pass = try await Self.pass(world, pageSize: 3)
        #expect(pass.ids.isEmpty)
        #expect(pass.pages.isEmpty)
    }
}
