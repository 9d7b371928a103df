import CivicAccess
import CivicCore

/// Domain values as the API's schemas.
enum Mapping {
    static func text(_ text: LocalizedText) -> Components.Schemas.LocalizedText { .init(en: text.en, zh: text.zh) }

    /// A graduated measure's tier as the measures list shows it: its id, title and value (the condition stays in the handbook).
    static func tier(_ tier: MeasureTier) -> Components.Schemas.MeasureTier {
        let value: Components.Schemas.TierValue = switch tier.value {
        case .amount(let amount, let unit): .init(kind: .amount, amount: amount.description, unit: .init(rawValue: unit.rawValue))
        case .level: .init(kind: .level)
        }
        return .init(id: tier.id.rawValue, title: text(tier.title), value: value)
    }

    static func principal(_ account: Account) -> Components.Schemas.Principal {
        .init(id: account.id.rawValue, role: .init(rawValue: account.role.rawValue) ?? .auditor, displayName: account.displayName,
              actor: account.actor?.rawValue, subject: account.subject?.rawValue, measures: account.measures.map(\.rawValue),
              households: account.households.map(\.rawValue))
    }

    static func jurisdiction(_ jurisdiction: Jurisdiction) -> Components.Schemas.Jurisdiction {
        .init(id: jurisdiction.id.rawValue, name: text(jurisdiction.name), parent: jurisdiction.parent?.rawValue)
    }

    static func subject(_ subject: Subject) -> Components.Schemas.Subject {
        .init(id: subject.id.rawValue, kind: .init(rawValue: subject.kind.rawValue) ?? .person, name: subject.name,
              jurisdiction: subject.jurisdiction.rawValue, household: subject.household?.rawValue, birthDate: subject.birthDate?.description,
              attributes: subject.attributes.sorted(), registeredOn: subject.registeredOn.description)
    }

    static func decision(_ decision: Decision) -> Components.Schemas.Decision {
        let outcome: Components.Schemas.Decision.OutcomePayload
        var points: String?
        switch decision.outcome {
        case .approve: outcome = .approve
        case .reject: outcome = .reject
        case .adjust(let value):
            outcome = .adjust
            points = value.description
        }
        return .init(id: decision.id.rawValue, report: decision.report.rawValue, reviewer: decision.reviewer.rawValue, outcome: outcome,
                     points: points, reason: decision.reason, decidedOn: decision.decidedOn.description)
    }

    static func report(_ record: ReportRecord) -> Components.Schemas.Report {
        let report = record.report
        return .init(
            id: report.id.rawValue, subject: report.subject.rawValue, scheme: report.scheme.rawValue, rule: report.rule.rawValue,
            handbookVersion: report.handbookVersion, reporter: report.reporter.rawValue,
            reporterRole: .init(rawValue: report.reporterRole.rawValue) ?? .assessor, selfClaim: report.isSelfClaim,
            occurredOn: report.occurredOn.description, filedOn: report.filedOn.description, cycle: report.cycle.description,
            statement: report.statement,
            evidence: report.evidence.map { .init(kind: .init(rawValue: $0.kind.rawValue) ?? .record, reference: $0.reference) },
            durationDays: report.durationDays, stars: report.stars, status: .init(rawValue: record.status.rawValue) ?? .pending,
            decisions: record.decisions.map(decision))
    }

    static func entry(_ entry: Entry) -> Components.Schemas.Entry {
        .init(id: entry.id.rawValue, sequence: entry.sequence, kind: entry.kind.rawValue, subject: entry.subject.rawValue,
              scheme: entry.scheme.rawValue, handbookVersion: entry.handbookVersion, rule: entry.rule?.rawValue,
              points: entry.points.description, stars: entry.stars, occurredOn: entry.occurredOn?.description,
              effectiveOn: entry.effectiveOn.description, expiresOn: entry.expiresOn?.description, gradeCap: entry.gradeCap?.rawValue,
              report: entry.report?.rawValue, decisions: entry.decisions.map(\.rawValue), references: entry.references?.rawValue,
              recordedOn: entry.recordedOn.description, recordedBy: entry.recordedBy.rawValue, note: entry.note)
    }

    static func listing(_ listing: Listing) -> Components.Schemas.Listing {
        .init(list: listing.list == .red ? .red : .black, criterion: listing.criterion.rawValue, since: listing.since.description,
              endsOn: listing.endsOn?.description, reason: listing.reason)
    }

    static func standing(_ standing: Standing) -> Components.Schemas.Standing {
        .init(scheme: standing.scheme.rawValue, asOf: standing.asOf.description, score: standing.score.description,
              grade: standing.grade?.rawValue, lockedGrade: standing.lock?.grade.rawValue, lockedUntil: standing.lock?.until.description,
              activeEntries: standing.activeEntries, listings: standing.listings.map(listing),
              quotaRequired: standing.quota?.required.description, quotaEarned: standing.quota?.earned.description)
    }

    static func cycle(_ cycle: Cycle) -> Components.Schemas.Cycle {
        .init(jurisdiction: cycle.jurisdiction.rawValue, month: cycle.month.description, closedOn: cycle.closedOn.description,
              closedBy: cycle.closedBy.rawValue)
    }
}
