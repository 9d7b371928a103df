import CivicCore
import CivicDemo
import Testing

/// References that people quote: their shape, and a check character that catches a mistyped character.
@Suite struct ReferenceTests {
    @Test func aReferenceHasItsKindMonthGroupsAndCheck() throws {
        var generator = SeededRandom(seed: 1)
        let month = try #require(Month(iso: "2026-12"))
        let reference = Reference.make(.claim, month: month, using: &generator)
        #expect(reference.hasPrefix("c-2026-12-"))
        #expect(reference.count == "c-2026-12-XXXX-XXXX-XXX".count)
        #expect(Reference.isValid(reference, kind: .claim))
        #expect(!Reference.isValid(reference, kind: .report), "a claim's reference is not a report's")
        #expect(Report.ID.isValid(reference), "usable as a report id")
        let unreadable = Set("ILOUilou")
        #expect(!reference.contains { unreadable.contains($0) })
    }

    @Test func everyMistypedCharacterIsCaught() throws {
        var generator = SeededRandom(seed: 7)
        let month = try #require(Month(iso: "2027-03"))
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        for _ in 0..<50 {
            let reference = Array(Reference.make(.appeal, month: month, using: &generator))
            for index in 10..<reference.count where reference[index] != "-" {
                for replacement in alphabet where replacement != reference[index] {
                    var typed = reference
                    typed[index] = replacement
                    #expect(!Reference.isValid(String(typed), kind: .appeal), "\(String(typed)) from \(String(reference))")
                }
            }
            for index in 10..<(reference.count - 1) where reference[index] != "-" && reference[index + 1] != "-" && reference[index] != reference[index + 1] {
                let pair = Set([reference[index], reference[index + 1]])
                guard pair != Set(["0", "Z"]) else { continue }
                var swapped = reference
                swapped.swapAt(index, index + 1)
                #expect(!Reference.isValid(String(swapped), kind: .appeal), "\(String(swapped)) from \(String(reference))")
            }
        }
    }

    @Test func malformedReferencesAreRefused() {
        for text in ["", "web-y2540wxfl8scggx7", "c-2026-13-7K3M-Q9XP-D2H", "c-2026-12-7K3M-Q9XP", "c-2026-12-7K3M-Q9XP-D2HH",
                     "c-2026-12-7k3m-q9xp-d2h", "c-2026-12-7K3M-Q9XP-DIH", "c-2026-12-7K3MQ9XP-D2H"] {
            #expect(!Reference.isValid(text, kind: .claim), "\(text)")
        }
    }
}
