/// Who may act on whom: the checks behind "nobody reviews a report about
/// themselves, their household, or one they filed", applied to every path that
/// changes a record (filing, review, correction, remedy).
public enum Recusal {
    /// The person behind an actor: their subject record where linked, else the actor itself.
    /// Two actor ids linked to one resident are one person, for recusal and for four eyes.
    public static func person(_ actor: Actor) -> String {
        actor.subject.map { "subject:\($0.rawValue)" } ?? "actor:\(actor.id.rawValue)"
    }

    /// Why `actor` may not act on `subject` (it is themself or their household), or `nil` if they may.
    public static func conflict(actor: Actor, actorSubject: Subject?, subject: Subject) -> String? {
        guard let own = actorSubject else { return nil }
        if own.id == subject.id { return "'\(actor.id)' cannot act on a record about themself" }
        let sameHousehold = own.id == subject.household || (own.household != nil && (own.household == subject.id || own.household == subject.household))
        return sameHousehold ? "'\(actor.id)' cannot act on a record about their own household" : nil
    }
}
