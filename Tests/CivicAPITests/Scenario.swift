import CivicAccess
import CivicAPI
import CivicAPITesting
import CivicCore
import Foundation

/// Subjects and reports each role owns, and ones it does not, picked from the test world.
struct Scenario {
    /// The resident's own person record, and their household.
    var residentSubject: Subject
    var residentHousehold: Subject.ID
    /// An assigned household of the assessor and one of its members (not the assessor's own).
    var assessorHousehold: Subject.ID
    var assessorMember: Subject
    /// A person neither the resident nor the assessor may see.
    var stranger: Subject
    var reportAboutResident: Report.ID
    var reportAboutAssessorMember: Report.ID
    var reportAboutStranger: Report.ID

    static func make(_ world: TestWorld) async throws -> Scenario {
        let store = world.store
        let resident = try await world.account(.resident)
        let assessor = try await world.account(.assessor)
        let residentSubject = try await store.subject(resident.subject!)!
        let assessorActor = try await store.actor(assessor.actor!)!
        var member: Subject?
        var assignedHousehold: Subject.ID?
        for household in assessor.households {
            let members = try await store.members(of: household).filter { $0.id != assessorActor.subject && $0.id != residentSubject.id }
            if let first = members.first {
                member = first
                assignedHousehold = household
                break
            }
        }
        let assigned = Set(assessor.households)
        var stranger: Subject?
        for subject in try await store.subjects(after: nil, limit: 10_000) where subject.kind == .person {
            guard subject.id != residentSubject.id, subject.household != residentSubject.household,
                  !(subject.household.map(assigned.contains) ?? false), subject.id != assessorActor.subject else { continue }
            stranger = subject
            break
        }
        let reportAboutResident = try await file(world, about: residentSubject, by: resident.actor!, role: .`self`, id: "sc-resident")
        let reportAboutMember = try await file(world, about: member!, by: assessor.actor!, role: .assessor, id: "sc-member")
        // The stranger's report is filed by an assessor of the stranger's own jurisdiction.
        let strangerAssessor = try await store.actors().first { $0.roles.contains(.assessor) && $0.jurisdiction == stranger!.jurisdiction && $0.subject != stranger!.id }!
        let reportAboutStranger = try await file(world, about: stranger!, by: strangerAssessor.id, role: .assessor, id: "sc-stranger")
        return Scenario(residentSubject: residentSubject, residentHousehold: residentSubject.household!, assessorHousehold: assignedHousehold!,
                        assessorMember: member!, stranger: stranger!, reportAboutResident: reportAboutResident,
                        reportAboutAssessorMember: reportAboutMember, reportAboutStranger: reportAboutStranger)
    }

    /// A rule of the subject's schemes that `role` may report with photos, videos or documents as evidence.
    static func rule(for subject: Subject, role: ReporterRole, world: TestWorld) async throws -> Rule.ID {
        let handbooks = try await world.services.engine.handbooks()
        let lineage = try await world.store.jurisdictions().lineage(of: subject.jurisdiction)
        let rules = handbooks.schemes(for: subject, lineage: lineage).flatMap(\.scheme.rules).filter {
            $0.reporters.contains(role) && $0.minimumDurationDays == nil && !$0.isRating && ($0.points.map { $0.isPositive } ?? false)
        }
        let counts = Dictionary(grouping: rules, by: \.id).mapValues(\.count)
        return rules.first { counts[$0.id] == 1 }!.id
    }

    static let evidence = [
        Evidence(kind: .photo, reference: "sha256:aa"), Evidence(kind: .photo, reference: "sha256:bb"),
        Evidence(kind: .video, reference: "sha256:cc"), Evidence(kind: .document, reference: "sha256:dd"),
    ]

    static func file(_ world: TestWorld, about subject: Subject, by actor: Actor.ID, role: ReporterRole, id: String) async throws -> Report.ID {
        let rule = try await rule(for: subject, role: role, world: world)
        let request = ReportRequest(id: Report.ID(id), subject: subject.id, rule: rule, reporter: actor, role: role,
                                    occurredOn: TestWorld.today.adding(days: -2), statement: "Cleaned the lane", evidence: evidence)
        _ = try await world.services.engine.file(request)
        return request.id
    }

    static var evidenceJSON: String {
        #"[{"kind":"photo","reference":"sha256:aa"},{"kind":"photo","reference":"sha256:bb"},{"kind":"video","reference":"sha256:cc"},{"kind":"document","reference":"sha256:dd"}]"#
    }
}

extension Scenario {
    /// Files, approves and enters deeds about the subjects through the engine (one cycle close for all);
    /// returns the entries made for each.
    static func enterDeeds(_ world: TestWorld, about subjects: [(Subject, String)]) async throws -> [[Entry.ID]] {
        for (subject, id) in subjects { try await approveDeed(world, about: subject, id: id) }
        for jurisdiction in Set(subjects.map(\.0.jurisdiction)) {
            _ = try await world.services.engine.closeCycle(jurisdiction, month: TestWorld.today.month, by: "admin")
        }
        var result: [[Entry.ID]] = []
        for (subject, id) in subjects {
            result.append(try await world.store.entries(subject: subject.id).filter { $0.report == Report.ID(id) }.map(\.id))
        }
        return result
    }

    static func approveDeed(_ world: TestWorld, about subject: Subject, id: String) async throws {
        let engine = world.services.engine
        let actors = try await world.store.actors()
        let assessor = actors.first { $0.roles.contains(.assessor) && $0.jurisdiction == subject.jurisdiction && $0.subject != subject.id }!
        let rule = try await rule(for: subject, role: .assessor, world: world)
        _ = try await engine.file(ReportRequest(id: Report.ID(id), subject: subject.id, rule: rule, reporter: assessor.id, role: .assessor,
                                                occurredOn: TestWorld.today.adding(days: -1), statement: "Helped", evidence: evidence))
        var approved = false
        for reviewer in actors where reviewer.roles.contains(.reviewer) && !approved {
            approved = (try? await engine.decide(Decision(id: Decision.ID("\(id)-d"), report: Report.ID(id), reviewer: reviewer.id,
                                                          outcome: .approve, reason: "seen", decidedOn: TestWorld.today)))?.1 == .approved
        }
    }
}
