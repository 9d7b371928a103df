public import CivicCore

/// A small world that writes every kind of record the transparency log covers (a handbook,
/// reports with evidence, decisions, notices, entries with every field, a closed cycle, an
/// appeal and its decision, delivery attempts), in the commits a real run would make.
public enum LogFixtures {
    public static func world() -> [ChangeSet] {
        func changes(head: Int64? = nil, _ build: (inout ChangeSet) -> Void) -> ChangeSet {
            var set = ChangeSet(expectedLedgerHead: head)
            build(&set)
            set.announceAdverseEntries()
            return set
        }
        let evidence = [Evidence(kind: .photo, reference: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
                        Evidence(kind: .video, reference: "sha256:60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752")]
        let appeal = Appeal(id: "appeal-1", subject: "subject-1", scheme: "civic", entry: "entry-2", disputes: .entry, filedBy: "res-1",
                            filedOn: makeDay("2026-04-02"), statement: "I cleared it the same day — 当天已清理", evidence: [evidence[0]],
                            decideBy: makeDay("2026-05-02"))
        let decided = AppealDecision(appeal: "appeal-1", reviewer: "reviewer-2", outcome: .upheld, reason: "The photo shows it cleared.",
                                     decidedOn: makeDay("2026-04-10"))
        return [
            changes {
                $0.jurisdictions = [makeJurisdiction()]
                $0.subjects = [makeSubject(), makeSubject(id: "subject-2", name: "Zhao Lei")]
                $0.actors = [makeActor(), makeActor(id: "reviewer-1", roles: [.reviewer]), makeActor(id: "reviewer-2", roles: [.reviewer]),
                             makeActor(id: "admin-1", roles: [.administrator]), makeActor(id: "res-1", roles: [.resident], subject: "subject-1")]
                $0.handbooks = [makePublishedHandbook()]
            },
            changes(head: 0) {
                $0.reports = [makeReport(evidence: evidence), makeReport(id: "report-2", subject: "subject-2", rule: "2.5", statement: "Helped carry coal.")]
                $0.decisions = [makeDecision(), makeDecision(id: "decision-2", report: "report-2", outcome: .adjust(Points(hundredths: 25)),
                                                             reason: "Half: one photo only.")]
                $0.reportStatuses = ["report-1": .entered, "report-2": .entered]
                $0.entries = [
                    makeEntryWithEveryField(sequence: 1),
                    makeEntry(sequence: 2, rule: "4.1", report: "report-1", decisions: ["decision-1"], note: "litter"),
                    makeEntry(sequence: 3, subject: "subject-2", rule: "2.5", points: Points(hundredths: 25), report: "report-2",
                              decisions: ["decision-2"]),
                    makeEntry(sequence: 4, subject: "subject-2", points: Points(-1), expiresOn: makeDay("2027-03-31")),
                ]
                $0.cycles = [makeCycle()]
            },
            changes {
                $0.appeals = [appeal]
                $0.notices = [Notice(id: "n:appeal-1", subject: "subject-1", scheme: "civic", kind: .appealFiled, tone: .neutral,
                                     createdOn: makeDay("2026-04-02"), entry: "entry-2", appeal: "appeal-1", summary: "appeal filed")]
            },
            changes(head: 4) {
                $0.appealDecisions = [decided]
                $0.entries = [makeEntry(sequence: 5, id: "appeal-upheld:appeal-1", kind: .correction, points: Points(3), references: "entry-2",
                                        recordedOn: makeDay("2026-04-10"), recordedBy: "reviewer-2", note: "appeal upheld")]
                $0.notices = [Notice(id: "n:appeal-1-decided", subject: "subject-1", scheme: "civic", kind: .appealDecided, tone: .favourable,
                                     createdOn: makeDay("2026-04-10"), entry: "appeal-upheld:appeal-1", appeal: "appeal-1",
                                     effect: Notice.Effect(scoreBefore: Points(997), scoreAfter: Points(1000), gradeBefore: "B", gradeAfter: "A"),
                                     summary: "appeal upheld")]
            },
            changes {
                $0.deliveryChannels = [DeliveryChannel(id: "letters", kind: .spool, target: "/var/spool/civic")]
                $0.deliveries = [NoticeDelivery(notice: "n:entry-2", channel: "letters", nextAttemptAt: 0)]
                $0.deliveryAttempts = [DeliveryAttempt(notice: "n:entry-2", channel: "letters", number: 1, at: 1_775_000_000, succeeded: false,
                                                       error: "spool full"),
                                       DeliveryAttempt(notice: "n:entry-2", channel: "letters", number: 2, at: 1_775_000_060, succeeded: true,
                                                       error: nil)]
            },
        ]
    }
}
