import CivicCore
import CivicTesting
import Foundation
import Testing

/// Exports are compared by hash across stores and machines, so equal values must encode to equal JSON.
struct JSONDeterminismTests {
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test func equalValuesEncodeToEqualJSON() throws {
        // Dimensions keyed by identifier become a JSON object with sorted keys; attribute and role sets are sorted.
        let names = (0..<40).map { "d-\($0)" }
        var forward: [CivicCore.Dimension.ID: Points] = [:], backward: [CivicCore.Dimension.ID: Points] = [:]
        for (index, name) in names.enumerated() { forward[CivicCore.Dimension.ID(name)] = Points(index) }
        for (index, name) in names.enumerated().reversed() { backward[CivicCore.Dimension.ID(name)] = Points(index) }
        let one = makeStanding(dimensions: forward), two = makeStanding(dimensions: backward)
        #expect(try Self.json(one) == Self.json(two))
        #expect(try Self.json(one).contains(#""dimensions":{"d-0":"#))
        let standing = try JSONDecoder().decode(Standing.self, from: Data(try Self.json(one).utf8))
        #expect(standing == one)

        let attributes = Set(names)
        let subject = makeSubject(attributes: attributes)
        let rebuilt = makeSubject(attributes: Set(names.reversed()))
        #expect(try Self.json(subject) == Self.json(rebuilt))
        #expect(try JSONDecoder().decode(Subject.self, from: Data(try Self.json(subject).utf8)) == subject)
        let actor = makeActor(roles: Set(Actor.Role.allCases))
        #expect(try Self.json(actor).contains(#""roles":["administrator","assessor","auditor","authority","resident","reviewer"]"#))
        #expect(try JSONDecoder().decode(Actor.self, from: Data(try Self.json(actor).utf8)) == actor)
    }
}
