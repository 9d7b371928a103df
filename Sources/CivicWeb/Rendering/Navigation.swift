import CivicAccess

/// The links in each role's header, in one place so every page of a role shows the same.
enum Navigation {
    /// (catalog key under `nav`, path) for each role; the first is the role's home.
    static func links(for role: AccessRole?) -> [(key: String, path: String)] {
        switch role {
        case .resident?:
            return [("portal", "/portal"), ("entries", "/portal/entries"), ("notices", "/portal/notices"), ("appeals", "/portal/appeals"),
                    ("claim", "/portal/claim"), ("path", "/portal/path"), ("certificate", "/portal/certificate")]
        case .assessor?:
            return [("households", "/assessor"), ("newReport", "/assessor/reports/new"), ("myReports", "/assessor/reports")]
        case .reviewer?:
            return [("queue", "/committee"), ("appealsQueue", "/committee/appeals"), ("cycle", "/committee/cycle")]
        case .auditor?:
            return [("audit", "/audit"), ("verification", "/audit/verification"), ("accessTrail", "/audit/access"),
                    ("dashboard", "/admin"), ("handbook", "/admin/handbook"), ("subjects", "/admin/subjects"), ("accounts", "/admin/accounts")]
        case .administrator?:
            return [("dashboard", "/admin"), ("handbook", "/admin/handbook"), ("subjects", "/admin/subjects"), ("accounts", "/admin/accounts"),
                    ("parties", "/admin/parties"),
                    ("cycle", "/committee/cycle")]
        case .relyingParty?, nil:
            return [("home", "/"), ("verify", "/verify")]
        }
    }

    /// Where a role lands after signing in.
    static func home(for role: AccessRole) -> String {
        role == .relyingParty ? "/" : links(for: role)[0].path
    }

    /// The header's links; the one for the current page (or the section it is in) is marked.
    static func items(for role: AccessRole?, current: String, catalog: Catalog) -> [[String: Any]] {
        let links = links(for: role)
        // The longest link that is the current path or a folder above it.
        let match = links.map(\.path).filter { current == $0 || ($0 != "/" && current.hasPrefix($0 + "/")) }.max { $0.count < $1.count }
        return links.map { link in
            ["href": link.path, "label": catalog["nav.\(link.key)"], "current": link.path == match]
        }
    }
}
