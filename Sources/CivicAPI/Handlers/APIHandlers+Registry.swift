import CivicAccess
import CivicCore
import CivicHandbook

extension APIHandlers {
    func listJurisdictions(_ input: Operations.ListJurisdictions.Input) async throws -> Operations.ListJurisdictions.Output {
        let paging = try Paging(limit: input.query.limit, cursor: input.query.cursor, configuration: services.configuration)
        let (items, next) = paging.page(try await store.jurisdictions().sorted { $0.id < $1.id }) { $0.id.rawValue }
        return .ok(.init(body: .json(.init(items: items.map(Mapping.jurisdiction), nextCursor: next))))
    }

    func createJurisdiction(_ input: Operations.CreateJurisdiction.Input) async throws -> Operations.CreateJurisdiction.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the jurisdiction as application/json") }
        let id: Jurisdiction.ID = try Identifier(validating: body.id, field: "id")
        let parent: Jurisdiction.ID? = try body.parent.map { text throws(CivicError) in try Identifier(validating: text, field: "parent") }
        for (field, text) in [("name.en", body.name.en), ("name.zh", body.name.zh)] where !(1...200).contains(text.count) {
            throw APIError(.badRequest, "a name must be 1 to 200 characters", at: "body.\(field)")
        }
        let result = try await engine.register(Jurisdiction(id: id, name: LocalizedText(en: body.name.en, zh: body.name.zh), parent: parent))
        return result == .recorded ? .created(.init(body: .json(.init(result: .recorded)))) : .ok(.init(body: .json(.init(result: .unchanged))))
    }

    func getCurrentHandbook(_ input: Operations.GetCurrentHandbook.Input) async throws -> Operations.GetCurrentHandbook.Output {
        let id = input.path.jurisdictionId
        guard Jurisdiction.ID.isValid(id), let current = try await engine.handbooks().current(for: Jurisdiction.ID(id)) else {
            throw APIError(.notFound, "no handbook published for jurisdiction '\(id.prefix(128))'")
        }
        let handbook = current.handbook
        return .ok(.init(body: .json(.init(
            jurisdiction: handbook.jurisdiction.rawValue, version: handbook.version, publishedOn: current.publishedOn.description,
            publishedBy: current.publishedBy.rawValue, source: current.source,
            schemes: handbook.schemes.map { .init(id: $0.id.rawValue, title: Mapping.text($0.title), rules: $0.rules.count, measures: $0.measures.count) }))))
    }

    func publishHandbook(_ input: Operations.PublishHandbook.Input) async throws -> Operations.PublishHandbook.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the handbook as application/json") }
        let handbook = try APIServices.validHandbook(body.source, lintHint: "; POST /handbooks/lint lists them all")
        let result = try await engine.publish(handbook, source: body.source, by: try actingActor())
        return result == .recorded ? .created(.init(body: .json(.init(result: .recorded)))) : .ok(.init(body: .json(.init(result: .unchanged))))
    }

    func lintHandbook(_ input: Operations.LintHandbook.Input) async throws -> Operations.LintHandbook.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the handbook as application/json") }
        let diagnostics = HandbookLoader.lint(body.source, file: "handbook")
        return .ok(.init(body: .json(.init(
            valid: !diagnostics.contains(where: \.isError),
            diagnostics: diagnostics.map {
                .init(severity: $0.isError ? .error : .warning, line: $0.line, column: $0.column, path: $0.path, message: $0.message)
            }))))
    }

    // MARK: Subjects

    func listSubjects(_ input: Operations.ListSubjects.Input) async throws -> Operations.ListSubjects.Output {
        let paging = try Paging(limit: input.query.limit, cursor: input.query.cursor, configuration: services.configuration)
        let visibility = try visibility
        if visibility.reach == .everything {
            let subjects = try await store.subjects(after: paging.cursor.map { Subject.ID($0) }, limit: paging.limit + 1)
            let items = Array(subjects.prefix(paging.limit))
            let next = subjects.count > paging.limit ? items.last.map { Paging.encode($0.id.rawValue) } : nil
            return .ok(.init(body: .json(.init(items: items.map(Mapping.subject), nextCursor: next))))
        }
        // An assessor: the assigned households and their members.
        var visible: [Subject] = []
        let households = try await store.subjects(caller.account?.households ?? [])
        for household in households {
            visible.append(household)
            visible += try await store.members(of: household.id)
        }
        let (items, next) = paging.page(visible.sorted { $0.id < $1.id }) { $0.id.rawValue }
        return .ok(.init(body: .json(.init(items: items.map(Mapping.subject), nextCursor: next))))
    }

    func createSubjects(_ input: Operations.CreateSubjects.Input) async throws -> Operations.CreateSubjects.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the subjects as application/json") }
        guard (1...10_000).contains(body.subjects.count) else { throw APIError(.badRequest, "send 1 to 10000 subjects", at: "body.subjects") }
        var subjects: [Subject] = []
        for (index, item) in body.subjects.enumerated() {
            let at = "body.subjects[\(index)]"
            do {
                guard let kind = SubjectKind(rawValue: item.kind.rawValue) else { throw APIError(.badRequest, "unknown kind", at: at + ".kind") }
                func day(_ text: String?, _ field: String) throws -> Day? {
                    guard let text else { return nil }
                    guard let day = Day(iso: text), (1900...2999).contains(day.year) else {
                        throw APIError(.badRequest, "not a day (YYYY-MM-DD) between 1900 and 2999", at: at + "." + field)
                    }
                    return day
                }
                guard item.attributes.count <= 20, item.attributes.allSatisfy({ (1...64).contains($0.count) }) else {
                    throw APIError(.badRequest, "at most 20 attributes of 1 to 64 characters", at: at + ".attributes")
                }
                subjects.append(Subject(
                    id: try Identifier(validating: item.id, field: "id"), kind: kind, name: item.name,
                    jurisdiction: try Identifier(validating: item.jurisdiction, field: "jurisdiction"),
                    household: try item.household.map { text throws(CivicError) in try Identifier(validating: text, field: "household") },
                    birthDate: try day(item.birthDate, "birthDate"), attributes: Set(item.attributes),
                    registeredOn: try day(item.registeredOn, "registeredOn") ?? today()))
            } catch let error as CivicError {
                throw APIError(.badRequest, error.message, at: at)
            }
        }
        let result = try await engine.addSubjects(subjects)
        return .ok(.init(body: .json(.init(recorded: result.recorded, unchanged: result.unchanged))))
    }

    func getSubject(_ input: Operations.GetSubject.Input) async throws -> Operations.GetSubject.Output {
        let subject = try await visibility.require(input.path.subjectId)
        return .ok(.init(body: .json(Mapping.subject(subject))))
    }

    func listHouseholdMembers(_ input: Operations.ListHouseholdMembers.Input) async throws -> Operations.ListHouseholdMembers.Output {
        let paging = try Paging(limit: input.query.limit, cursor: input.query.cursor, configuration: services.configuration)
        let visibility = try visibility
        let subject = try await visibility.require(input.path.subjectId)
        var members: [Subject] = []
        for member in try await store.members(of: subject.id) where try await visibility.canSee(member) || visibility.reach == .ownRecord {
            members.append(member)
        }
        let (items, next) = paging.page(members.sorted { $0.id < $1.id }) { $0.id.rawValue }
        return .ok(.init(body: .json(.init(items: items.map(Mapping.subject), nextCursor: next))))
    }

    func explainScore(_ input: Operations.ExplainScore.Input) async throws -> Operations.ExplainScore.Output {
        let subject = try await visibility.require(input.path.subjectId)
        let day = today()
        let explanations = try await engine.explain(subject.id, asOf: day)
        let schemes: [Components.Schemas.SchemeExplanation] = explanations.map { item in
            let contributions: [Components.Schemas.Contribution] = item.explanation.contributions.map { contribution in
                let record = contribution.entry.report.flatMap { item.reports[$0] }
                let rule = contribution.entry.rule.flatMap { item.scheme.rule($0) }
                return .init(entry: Mapping.entry(contribution.entry), correctedOn: contribution.correctedOn?.description,
                             remediedOn: contribution.remediedOn?.description, rule: rule.map { Mapping.text($0.title) },
                             statement: record?.report.statement, selfClaim: record?.report.isSelfClaim,
                             decidedBy: record?.decisions.map { item.reviewers[$0.reviewer]?.name ?? $0.reviewer.rawValue })
            }
            return .init(scheme: item.scheme.id.rawValue, title: Mapping.text(item.scheme.title), handbookVersion: item.handbook.version,
                         standing: Mapping.standing(item.explanation.standing), contributions: contributions,
                         gradeReasons: item.explanation.gradeReasons)
        }
        return .ok(.init(body: .json(.init(subject: subject.id.rawValue, asOf: day.description, schemes: schemes))))
    }

    func listSubjectEntries(_ input: Operations.ListSubjectEntries.Input) async throws -> Operations.ListSubjectEntries.Output {
        let paging = try Paging(limit: input.query.limit, cursor: input.query.cursor, configuration: services.configuration)
        let subject = try await visibility.require(input.path.subjectId)
        let entries = try await store.entries(subject: subject.id).sorted { $0.sequence < $1.sequence }
        let (items, next) = paging.page(entries) { String(format: "%020lld", $0.sequence) }
        return .ok(.init(body: .json(.init(items: items.map(Mapping.entry), nextCursor: next))))
    }

    func listSubjectReports(_ input: Operations.ListSubjectReports.Input) async throws -> Operations.ListSubjectReports.Output {
        let paging = try Paging(limit: input.query.limit, cursor: input.query.cursor, configuration: services.configuration)
        let subject = try await visibility.require(input.path.subjectId)
        let reports = try await store.reports(subject: subject.id).sorted { $0.report.id < $1.report.id }
        let (items, next) = paging.page(reports) { $0.report.id.rawValue }
        return .ok(.init(body: .json(.init(items: items.map(Mapping.report), nextCursor: next))))
    }
}

extension APIHandlers {
    func listActors(_ input: Operations.ListActors.Input) async throws -> Operations.ListActors.Output {
        let paging = try Paging(limit: input.query.limit, cursor: input.query.cursor, configuration: services.configuration)
        let (items, next) = paging.page(try await store.actors().sorted { $0.id < $1.id }) { $0.id.rawValue }
        let mapped: [Components.Schemas.Actor] = items.map { actor in
            .init(id: actor.id.rawValue, name: actor.name,
                  roles: actor.roles.map(\.rawValue).sorted().compactMap { .init(rawValue: $0) },
                  jurisdiction: actor.jurisdiction.rawValue, subject: actor.subject?.rawValue)
        }
        return .ok(.init(body: .json(.init(items: mapped, nextCursor: next))))
    }

    func createActor(_ input: Operations.CreateActor.Input) async throws -> Operations.CreateActor.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "send the actor as application/json") }
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(name.count) else { throw APIError(.badRequest, "a name must be 1 to 200 characters", at: "body.name") }
        guard !body.roles.isEmpty else { throw APIError(.badRequest, "name at least one role", at: "body.roles") }
        let actor = Actor(
            id: try Identifier(validating: body.id, field: "id"), name: name,
            roles: Set(body.roles.compactMap { Actor.Role(rawValue: $0.rawValue) }),
            jurisdiction: try Identifier(validating: body.jurisdiction, field: "jurisdiction"),
            subject: try body.subject.map { text throws(CivicError) in try Identifier(validating: text, field: "subject") })
        let result = try await engine.addActor(actor)
        return result == .recorded ? .created(.init(body: .json(.init(result: .recorded)))) : .ok(.init(body: .json(.init(result: .unchanged))))
    }
}
