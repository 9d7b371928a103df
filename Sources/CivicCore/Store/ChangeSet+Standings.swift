extension ChangeSet {
    /// Whether committing this may move a standing or an eligibility answer: what `ObservedStore` counts,
    /// and what the PostgreSQL store announces to the other servers.
    public var mayMoveStandings: Bool {
        !entries.isEmpty || !subjects.isEmpty || !handbooks.isEmpty || !jurisdictions.isEmpty || !standings.isEmpty
            || !cycles.isEmpty || !appeals.isEmpty || !appealDecisions.isEmpty
    }
}
