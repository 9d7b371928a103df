import CivicWeb
import Testing

/// The dashboard's trend chart: labelled round ticks around the means, and a span wide enough that a change
/// of a fraction of a point does not fill the chart as a climb.
@Suite struct TrendAxisTests {
    @Test func aSmallChangeStaysFlat() {
        // Means of 1,000.00 and 1,000.60 on a 1,000-point scale.
        let axis = TrendAxis(means: [100_000, 100_060], base: 100_000)
        #expect(axis.low <= 100_000 && axis.high >= 100_060)
        #expect(axis.high - axis.low >= 5_000, "at least 50 points shown")
        #expect(abs(axis.y(100_060) - axis.y(100_000)) <= 2, "0.6 points is at most two pixels")
        #expect(axis.ticks.allSatisfy { $0 % 1_000 == 0 }, "ticks on round values: \(axis.ticks)")
    }

    @Test func aLargeChangeFillsTheChartAndEveryMeanIsInside() {
        let means: [Int64] = [87_310, 90_020, 95_555, 101_240]
        let axis = TrendAxis(means: means, base: 100_000)
        for mean in means { #expect((axis.low...axis.high).contains(mean)) }
        #expect(axis.y(axis.low) == TrendAxis.top + TrendAxis.height && axis.y(axis.high) == TrendAxis.top)
        #expect(axis.y(101_240) - axis.y(87_310) < -60, "a 139-point rise climbs")
        let stars = TrendAxis(means: [320, 340], base: nil)
        #expect(stars.high - stars.low >= 100 && stars.low <= 320 && stars.high >= 340)
    }
}
