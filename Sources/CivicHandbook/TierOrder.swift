internal import CivicCore

/// Whether an earlier tier of a graduated measure always answers before a later one can.
///
/// Tiers are tried in order and the first that holds answers, so a later tier whose condition implies an
/// earlier one's is dead text that a reader would take for a promise. The check is exact for the shapes
/// graduated measures are written in (one score or grade comparison per tier, or the same condition
/// twice); for combined conditions it says nothing rather than guess.
enum TierOrder {
    enum Overlap {
        /// The two tiers have the same condition.
        case same
        /// The later tier's condition implies the earlier one's: the earlier always answers first.
        case outOfOrder
    }

    static func preempts(_ earlier: Condition, _ later: Condition, grades: GradeScale?) -> Overlap? {
        if earlier == later { return .same }
        switch (earlier, later) {
        case (.all(let parts), _) where parts.isEmpty:
            return .outOfOrder
        case (.scoreAtLeast(let first), .scoreAtLeast(let second)):
            return second > first ? .outOfOrder : nil
        case (.scoreBelow(let first), .scoreBelow(let second)):
            return second < first ? .outOfOrder : nil
        case (.gradeAtLeast(let first), .gradeAtLeast(let second)):
            guard let grades else { return nil }
            return grades.isBelow(first, second) ? .outOfOrder : nil
        case (.gradeAtMost(let first), .gradeAtMost(let second)):
            guard let grades else { return nil }
            return grades.isBelow(second, first) ? .outOfOrder : nil
        default:
            return nil
        }
    }
}
