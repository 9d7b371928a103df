import CivicAPI
import CivicCore
import CivicLog
import Foundation
import Hummingbird

/// The pages anyone may read: the notice board and its printable billboard, the published handbook,
/// and certificate verification. Names are always masked; nothing here needs an account.
extension WebServices {
    func registerPublic(on router: Router<APIRequestContext>) {
        get(router, "/board/:jurisdiction") { page in
            let board = try await Board.load(page)
            return page.render("public/board", title: page.text("board.title", ["jurisdiction": board.name]), model: board.model(page))
        }
        get(router, "/board/:jurisdiction/print") { page in
            let board = try await Board.load(page)
            let title = page.text("board.billboardTitle", ["jurisdiction": board.name, "month": board.month.description])
            // A printed board carries every row: paper has no next page.
            return page.render("public/billboard", title: title, model: board.model(page, paginated: false))
        }
        get(router, "/board/:jurisdiction/handbook") { page in
            let (jurisdiction, published, _) = try await Self.published(page)
            return page.render("public/handbook", title: page.text("rulebook.title", ["jurisdiction": page.text(jurisdiction.name)]),
                               model: Self.handbookModel(page, published))
        }
        get(router, "/verify") { page in
            var model: [String: Any] = ["token": page.query("c") ?? "", "hasKey": self.api.certificateKey != nil]
            if let text = page.query("c")?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
                model["result"] = try await Self.verification(page, text: text)
            }
            return page.render("public/verify", title: page.text("verify.title"), model: model)
        }
    }

    /// A jurisdiction with a published handbook, or not found; with every jurisdiction, read once.
    static func published(_ page: Page) async throws -> (Jurisdiction, PublishedHandbook, all: [Jurisdiction]) {
        let id = page.context.parameters.get("jurisdiction") ?? ""
        let all = try await page.store.jurisdictions()
        guard Jurisdiction.ID.isValid(id), let jurisdiction = all.first(where: { $0.id.rawValue == id }),
              let published = try await page.engine.handbooks().current(for: jurisdiction.id) else {
            throw APIError(.notFound, page.text("board.unknown"))
        }
        return (jurisdiction, published, all)
    }

    static func verification(_ page: Page, text: String) async throws -> [String: Any] {
        let check = await page.web.api.checkCertificate(text)
        var result: [String: Any] = ["accepted": check.verification.isAccepted, "checkedOn": page.text("verify.checkedOn", ["day": check.checkedOn.description])]
        if let rejection = check.verification.rejection {
            result["rejected"] = page.text("verify.rejected", ["reason": rejection.description])
        }
        if let certificate = check.verification.certificate, check.verification.isAccepted {
            let jurisdictions = try await page.store.jurisdictions()
            let issuer = jurisdictions.first { $0.id == certificate.issuer }.map { page.text($0.name) } ?? certificate.issuer.rawValue
            let scheme = try await page.engine.handbooks().scheme(certificate.scheme).map { page.text($0.scheme.title) } ?? certificate.scheme.rawValue
            result["certificate"] = [
                "maskedName": certificate.maskedName, "scheme": scheme, "grade": certificate.grade?.rawValue as Any,
                "score": certificate.score.description, "asOf": certificate.asOf.description, "validUntil": certificate.validUntil.description,
                "issuer": issuer, "serial": certificate.serial, "log": Self.logChecked(page, certificate) as Any,
                "measure": try await Self.measureModel(page, certificate) as Any,
            ] as [String: Any]
            result["current"] = check.current == true
        }
        return result
    }

    /// "Checked against the public log at N records, root R", when the certificate names the log.
    static func logChecked(_ page: Page, _ certificate: Certificate) -> String? {
        guard let size = certificate.logSize, let root = certificate.logRoot else { return nil }
        return page.text("verify.logChecked", ["size": String(size), "root": root])
    }

    static func handbookModel(_ page: Page, _ published: PublishedHandbook) -> [String: Any] {
        let handbook = published.handbook
        let schemes: [[String: Any]] = handbook.schemes.map { scheme in
            let rulesByID = Dictionary(uniqueKeysWithValues: scheme.rules.map { ($0.id, $0) })
            var scale: [String] = []
            switch scheme.scale {
            case .points(let points):
                scale.append(page.text("rulebook.base", ["base": points.base.description]))
                if let floor = points.floor, let ceiling = points.ceiling {
                    scale.append(page.text("rulebook.bounds", ["floor": floor.description, "ceiling": ceiling.description]))
                }
            case .stars(let stars):
                scale.append(page.text("rulebook.stars", ["min": String(stars.minimumStars), "max": String(stars.maximumStars),
                                                          "dimensions": stars.dimensions.map { page.text($0.title) }.joined(separator: ", ")]))
            case .weighted(let weighted):
                scale.append(page.text("rulebook.weighted", ["dimensions": weighted.dimensions.map { page.text($0.title) }.joined(separator: ", ")]))
            }
            let days = { (count: Int?) -> String in count.map { page.text($0 == 1 ? "rulebook.day" : "rulebook.days", ["days": String($0)]) } ?? "" }
            let rules: [[String: Any]] = scheme.rules.map { rule in
                [
                    // A rule id may recur in another scheme of the handbook; the anchor names both.
                    "id": rule.id.rawValue, "anchor": "rule-\(scheme.id.rawValue)-\(rule.id.rawValue)",
                    "title": page.text(rule.title), "category": page.text(rule.category.title),
                    "points": page.words(points: rule.points), "adverse": rule.isAdverse,
                    "evidence": rule.evidence?.description ?? "",
                    "expires": rule.expiryDays.map { days($0) } ?? (rule.isAdverse ? scheme.negativeExpiryDays.map { days($0) } ?? page.text("rulebook.never") : page.text("rulebook.never")),
                    "grace": rule.graceDays.map { days($0) } ?? page.text("rulebook.noGrace"),
                    "reporters": rule.reporters.map { page.text("rulebook.reporter\($0 == .`self` ? "Self" : $0.rawValue.capitalized)") }.sorted().joined(separator: ", "),
                ]
            }
            let grades: [[String: Any]] = (scheme.grades?.bands ?? []).map { band in
                ["grade": band.grade.rawValue, "minimum": band.minimum.description, "title": band.title.map { page.text($0) } ?? ""]
            }
            let lists: [[String: Any]] = scheme.lists.map { criterion in
                ["title": page.text(criterion.title), "list": page.words(criterion.list), "red": criterion.list == .red,
                 "trigger": page.words(criterion.trigger, rules: rulesByID), "duration": page.words(criterion.duration),
                 "remedy": criterion.remedyHint.map { page.text($0) } ?? page.text("board.noRemedy")]
            }
            let measures: [[String: Any]] = scheme.measures.map { measure in
                ["title": page.text(measure.title), "reward": measure.kind == .reward,
                 "kind": page.text(measure.kind == .reward ? "rulebook.kindReward" : "rulebook.kindSanction"),
                 "condition": measure.tiers != nil && measure.condition == .always ? "" : page.words(measure.condition),
                 "tiers": (measure.tiers ?? []).map { page.words($0) }, "hasTiers": measure.tiers != nil,
                 "legalBasis": measure.legalBasis ?? "", "remedy": measure.remedyHint.map { page.text($0) } ?? ""]
            }
            var process: [String] = []
            if let appeal = scheme.appealDays { process.append(page.text("rulebook.appealDays", ["days": String(appeal)])) }
            let deadline: String = switch scheme.appealDecision {
            case .days(let count): page.text("rulebook.days", ["days": String(count)])
            case .workingDays(let count): page.text("rulebook.workingDays", ["days": String(count)])
            }
            process.append(page.text("rulebook.appealDecision", ["deadline": deadline]))
            if let expiry = scheme.negativeExpiryDays { process.append(page.text("rulebook.negativeExpiry", ["days": String(expiry)])) }
            return ["id": scheme.id.rawValue, "title": page.text(scheme.title), "scale": scale, "grades": grades, "hasGrades": !grades.isEmpty,
                    "rules": rules, "lists": lists, "hasLists": !lists.isEmpty, "measures": measures, "hasMeasures": !measures.isEmpty,
                    "process": process]
        }
        return ["version": page.text("rulebook.version", ["version": String(handbook.version), "day": published.publishedOn.description]),
                "schemes": schemes, "title": page.text(handbook.title)]
    }
}

/// One month of a jurisdiction's notice board: the month's good deeds and today's lists.
struct Board {
    var jurisdiction: Jurisdiction
    var name: String
    var month: Month
    var published: PublishedHandbook
    /// The schemes that rate this jurisdiction's people: its own and those of the jurisdictions above it.
    var schemes: [Scheme]
    var goodDeeds: [(masked: String, rule: Rule, day: Day)]
    var listed: [(masked: String, scheme: Scheme, listed: ListedSubject)]
    var latest: Month
    /// The latest signed checkpoint of the transparency log, if the log has one.
    var checkpoint: StoredCheckpoint?

    /// Listings read for one board at most. A village's or a city's lists are far shorter; a province's board
    /// would need paging in the store instead (not built).
    static let listingsReadMax = 100_000

    static func load(_ page: Page) async throws -> Board {
        let (jurisdiction, published, all) = try await WebServices.published(page)
        let lineage = JurisdictionTree(all)
        let covered = lineage.descendants(of: jurisdiction.id)
        let cycles = try await page.store.cycles().filter { covered.contains($0.jurisdiction) }.map(\.month)
        let latest = cycles.max() ?? page.today.month.previous
        var month = latest
        if let text = page.query("month") {
            guard let asked = Month(iso: text), (1900...2999).contains(asked.year) else {
                throw APIError(.badRequest, "not a month (YYYY-MM)", at: "month")
            }
            month = asked
        }
        let handbooks = try await page.engine.handbooks()
        let schemes = lineage.ancestry(of: jurisdiction.id, in: all).compactMap { handbooks.current(for: $0)?.handbook.schemes }.flatMap { $0 }
        // The month's approved good deeds in this jurisdiction and the ones below it.
        let reports = try await page.store.reports(statuses: [.entered, .approved], throughCycle: month).filter { $0.report.cycle == month }
        var subjectIDs = Set(reports.map(\.report.subject))
        var deeds: [(Subject.ID, Rule, Day)] = []
        for record in reports {
            guard let (_, scheme) = handbooks.scheme(record.report.scheme),
                  let rule = scheme.rules.first(where: { $0.id == record.report.rule }), let points = rule.points, points > Points(0) else { continue }
            deeds.append((record.report.subject, rule, record.report.occurredOn))
        }
        var listings: [ListedSubject] = []
        for list in [ListKind.red, .black] {
            listings += try await page.store.listings(on: list, activeOn: page.today, limit: listingsReadMax)
        }
        subjectIDs.formUnion(listings.map(\.subject))
        let subjects = Dictionary(uniqueKeysWithValues: try await page.store.subjects(Array(subjectIDs)).map { ($0.id, $0) })
        let goodDeeds = deeds.compactMap { subject, rule, day -> (String, Rule, Day)? in
            guard let subject = subjects[subject], covered.contains(subject.jurisdiction) else { return nil }
            return (subject.maskedName, rule, day)
        }.sorted { ($0.2, $0.0) < ($1.2, $1.0) }
        let listed = listings.compactMap { item -> (String, Scheme, ListedSubject)? in
            guard let subject = subjects[item.subject], covered.contains(subject.jurisdiction),
                  let (_, scheme) = handbooks.scheme(item.scheme) else { return nil }
            return (subject.maskedName, scheme, item)
        }
        return Board(jurisdiction: jurisdiction, name: page.text(jurisdiction.name), month: month, published: published, schemes: schemes,
                     goodDeeds: goodDeeds, listed: listed, latest: latest,
                     checkpoint: try await page.web.api.log?.store.latestCheckpoint())
    }

    /// One page of a table's rows, and the words and links that say where it is: "101-200 of 523", previous, next.
    /// `parameter` names the table's page in the query; the other tables' pages and the month are kept in the links.
    func paged<Row>(_ rows: [Row], parameter: String, page: Page, paginated: Bool) -> (rows: ArraySlice<Row>, pager: [String: Any]?) {
        // Rows per table: the pages' usual page length; `?deeds=`, `?red=` and `?black=` page on.
        let perPage = max(1, page.web.configuration.rowsPerPage)
        guard paginated, rows.count > perPage else { return (rows[...], nil) }
        let pages = (rows.count + perPage - 1) / perPage
        let number = min(max(1, page.query(parameter).flatMap { Int($0) } ?? 1), pages)
        let start = (number - 1) * perPage
        let end = min(rows.count, start + perPage)
        func link(_ target: Int) -> String {
            var query = ["month=\(month.description)"]
            for name in ["deeds", "red", "black"] where name != parameter {
                if let value = page.query(name).flatMap({ Int($0) }), value > 1 { query.append("\(name)=\(value)") }
            }
            if target > 1 { query.append("\(parameter)=\(target)") }
            return "/board/\(jurisdiction.id.rawValue)?" + query.joined(separator: "&") + "#\(parameter)"
        }
        var pager: [String: Any] = ["text": page.text("board.showing", ["from": String(start + 1), "to": String(end), "count": String(rows.count)])]
        if number > 1 { pager["previous"] = link(number - 1) }
        if number < pages { pager["next"] = link(number + 1) }
        return (rows[start..<end], pager)
    }

    func model(_ page: Page, paginated: Bool = true) -> [String: Any] {
        func rows(_ list: ListKind) -> (rows: [[String: Any]], pager: [String: Any]?) {
            let (slice, pager) = paged(listed.filter { $0.listed.listing.list == list }, parameter: list == .red ? "red" : "black",
                                       page: page, paginated: paginated)
            let rows: [[String: Any]] = slice.map { masked, scheme, item in
                let criterion = scheme.lists.first { $0.id == item.listing.criterion }
                // An open-ended listing ends as its criterion says: an honour while it is earned, a blacklisting when remedied.
                let until = item.listing.endsOn?.description ?? criterion.map { page.words($0.duration) } ?? page.text("board.untilOpen")
                return ["name": masked, "scheme": page.text(scheme.title),
                        "why": criterion.map { page.text($0.title) } ?? item.listing.reason,
                        "since": item.listing.since.description, "until": until,
                        "remedy": criterion?.remedyHint.map { page.text($0) } ?? ""]
            }
            return (rows, pager)
        }
        let red = rows(.red), black = rows(.black)
        let deeds = paged(goodDeeds, parameter: "deeds", page: page, paginated: paginated)
        var howTo: [[String: Any]] = []
        for scheme in schemes {
            let rules = Dictionary(uniqueKeysWithValues: scheme.rules.map { ($0.id, $0) })
            for criterion in scheme.lists {
                howTo.append(["title": page.text(criterion.title), "list": page.words(criterion.list), "red": criterion.list == .red,
                              "trigger": page.words(criterion.trigger, rules: rules), "duration": page.words(criterion.duration),
                              "remedy": criterion.remedyHint.map { page.text($0) } ?? page.text("board.noRemedy")])
            }
        }
        let base = "/board/\(jurisdiction.id.rawValue)"
        var model: [String: Any] = [
            "id": jurisdiction.id.rawValue, "name": name, "month": month.description,
            "goodDeedsTitle": page.text("board.goodDeeds", ["month": month.description]),
            "goodDeeds": deeds.rows.map { ["name": $0.masked, "deed": page.text($0.rule.title), "day": $0.day.description,
                                           "points": page.words(points: $0.rule.points)] },
            "red": red.rows, "black": black.rows, "howTo": howTo,
            "deedsPager": deeds.pager as Any, "redPager": red.pager as Any, "blackPager": black.pager as Any,
            "redTitle": page.words(ListKind.red), "blackTitle": page.words(ListKind.black),
            "previous": "\(base)?month=\(month.previous.description)",
            "printLink": "\(base)/print?month=\(month.description)",
            "handbookLink": "\(base)/handbook",
            "printedOn": page.text("board.printedOn", ["day": page.today.description]),
        ]
        if let checkpoint {
            let day = Day(ordinal: Int32(clamping: checkpoint.signedAt / 86_400 + Int64(Day(year: 1970, month: 1, day: 1)!.ordinal)))
            model["log"] = ["lead": page.text("board.logLead", ["size": String(checkpoint.size), "root": checkpoint.root.base64, "day": day.description]),
                            "link": "/log/checkpoint"]
        }
        model["hasGoodDeeds"] = !goodDeeds.isEmpty
        model["hasRed"] = !(model["red"] as? [[String: Any]] ?? []).isEmpty
        model["hasBlack"] = !(model["black"] as? [[String: Any]] ?? []).isEmpty
        if month < latest { model["next"] = "\(base)?month=\(month.next.description)" }
        return model
    }
}

/// Jurisdictions below a jurisdiction: a city's board shows its villages too.
struct JurisdictionTree {
    let children: [Jurisdiction.ID: [Jurisdiction.ID]]

    init(_ jurisdictions: [Jurisdiction]) {
        var children: [Jurisdiction.ID: [Jurisdiction.ID]] = [:]
        for jurisdiction in jurisdictions { if let parent = jurisdiction.parent { children[parent, default: []].append(jurisdiction.id) } }
        self.children = children
    }

    /// The jurisdiction and those above it, nearest first.
    func ancestry(of id: Jurisdiction.ID, in all: [Jurisdiction]) -> [Jurisdiction.ID] {
        let parents = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0.parent) })
        var chain = [id]
        while chain.count <= all.count, let parent = parents[chain[chain.count - 1]] ?? nil { chain.append(parent) }
        return chain
    }

    func descendants(of root: Jurisdiction.ID) -> Set<Jurisdiction.ID> {
        var found: Set<Jurisdiction.ID> = [root]
        var queue = [root]
        while let next = queue.popLast() {
            for child in children[next] ?? [] where found.insert(child).inserted { queue.append(child) }
        }
        return found
    }
}
