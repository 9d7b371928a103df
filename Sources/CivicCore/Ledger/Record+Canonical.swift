/// Canonical encodings of every append-only record besides the entry, so that the
/// transparency log covers who decided, why, on what evidence, and what each
/// person was told, as surely as it covers points. Each layout has its own magic;
/// a stored record's bytes never change (a new field gets a new tag).

extension PublishedHandbook {
    /// "CCH1": the jurisdiction, version, publication and the exact source text published.
    public var canonicalBytes: [UInt8] {
        var out = CanonicalWriter(magic: "CCH1")
        out.text(0x01, handbook.jurisdiction.rawValue)
        out.number(0x02, Int64(handbook.version))
        out.day(0x03, publishedOn)
        out.text(0x04, publishedBy.rawValue)
        out.text(0x05, source)
        return out.bytes
    }
}

extension Report {
    /// "CCR1": the report's content as filed, with every evidence digest. Its status
    /// (pending, approved, entered) is not part of it: that is where the report stands,
    /// and the decisions and entries that move it are leaves of their own.
    public var canonicalBytes: [UInt8] {
        var out = CanonicalWriter(magic: "CCR1")
        out.text(0x01, id.rawValue)
        out.text(0x02, subject.rawValue)
        out.text(0x03, scheme.rawValue)
        out.text(0x04, rule.rawValue)
        out.number(0x05, Int64(handbookVersion))
        out.text(0x06, handbookJurisdiction.rawValue)
        out.text(0x07, reporter.rawValue)
        out.text(0x08, reporterRole.rawValue)
        out.day(0x09, occurredOn)
        out.day(0x0A, filedOn)
        out.text(0x0B, cycle.description)
        out.text(0x0C, statement)
        out.evidence(0x0D, 0x0E, evidence)
        out.number(0x0F, durationDays.map(Int64.init))
        out.number(0x10, stars.map(Int64.init))
        out.text(0x11, sourceRecord)
        return out.bytes
    }
}

extension Decision {
    /// "CCD1": who decided which report, how, why and when.
    public var canonicalBytes: [UInt8] {
        var out = CanonicalWriter(magic: "CCD1")
        out.text(0x01, id.rawValue)
        out.text(0x02, report.rawValue)
        out.text(0x03, reviewer.rawValue)
        switch outcome {
        case .approve: out.text(0x04, "approve")
        case .reject: out.text(0x04, "reject")
        case .adjust(let points):
            out.text(0x04, "adjust")
            out.points(0x05, points)
        }
        out.text(0x06, reason)
        out.day(0x07, decidedOn)
        return out.bytes
    }
}

extension Cycle {
    /// "CCY1": which month was closed, when and by whom.
    public var canonicalBytes: [UInt8] {
        var out = CanonicalWriter(magic: "CCY1")
        out.text(0x01, jurisdiction.rawValue)
        out.text(0x02, month.description)
        out.day(0x03, closedOn)
        out.text(0x04, closedBy.rawValue)
        return out.bytes
    }
}

extension Notice {
    /// "CCN1": everything the notice told its subject.
    public var canonicalBytes: [UInt8] {
        var out = CanonicalWriter(magic: "CCN1")
        out.text(0x01, id.rawValue)
        out.text(0x02, subject.rawValue)
        out.text(0x03, scheme?.rawValue)
        out.text(0x04, kind.rawValue)
        out.text(0x05, tone.rawValue)
        out.day(0x06, createdOn)
        out.text(0x07, entry?.rawValue)
        out.text(0x08, report?.rawValue)
        out.text(0x09, appeal?.rawValue)
        out.text(0x0A, rule?.rawValue)
        out.text(0x0B, ruleTitle?.en)
        out.text(0x0C, ruleTitle?.zh)
        out.text(0x0D, handbookJurisdiction?.rawValue)
        out.number(0x0E, handbookVersion.map(Int64.init))
        out.points(0x0F, points)
        out.evidence(0x10, 0x11, evidence)
        if let effect {
            out.flag(0x12, true)
            out.points(0x13, effect.scoreBefore)
            out.points(0x14, effect.scoreAfter)
            out.text(0x15, effect.gradeBefore?.rawValue)
            out.text(0x16, effect.gradeAfter?.rawValue)
            for list in effect.listed { out.text(0x17, list) }
            for list in effect.delisted { out.text(0x18, list) }
            for measure in effect.measuresLost { out.text(0x19, measure.rawValue) }
            for measure in effect.measuresGained { out.text(0x1A, measure.rawValue) }
            out.day(0x1B, effect.lockedUntil)
        }
        out.text(0x1C, remedy?.en)
        out.text(0x1D, remedy?.zh)
        out.day(0x1E, appealBy)
        out.day(0x1F, cureBy)
        out.text(0x20, summary)
        return out.bytes
    }
}

extension Appeal {
    /// "CCA1": the dispute as filed, with every evidence digest and its deadline.
    public var canonicalBytes: [UInt8] {
        var out = CanonicalWriter(magic: "CCA1")
        out.text(0x01, id.rawValue)
        out.text(0x02, subject.rawValue)
        out.text(0x03, scheme.rawValue)
        out.text(0x04, entry.rawValue)
        out.text(0x05, disputes.rawValue)
        out.text(0x06, filedBy.rawValue)
        out.day(0x07, filedOn)
        out.text(0x08, statement)
        out.evidence(0x09, 0x0A, evidence)
        out.day(0x0B, decideBy)
        return out.bytes
    }
}

extension AppealDecision {
    /// "CCB1": who decided an appeal, how, why and when.
    public var canonicalBytes: [UInt8] {
        var out = CanonicalWriter(magic: "CCB1")
        out.text(0x01, appeal.rawValue)
        out.text(0x02, reviewer.rawValue)
        out.text(0x03, outcome.rawValue)
        out.text(0x04, reason)
        out.day(0x05, decidedOn)
        return out.bytes
    }
}

extension DeliveryAttempt {
    /// "CCT1": one attempt to deliver a notice through a channel, and how it went.
    public var canonicalBytes: [UInt8] {
        var out = CanonicalWriter(magic: "CCT1")
        out.text(0x01, notice.rawValue)
        out.text(0x02, channel.rawValue)
        out.number(0x03, Int64(number))
        out.number(0x04, at)
        out.flag(0x05, succeeded)
        out.text(0x06, error)
        return out.bytes
    }
}
