import ArgumentParser
import CivicCore
import CivicDelivery
import Foundation

struct NoticeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notice",
        abstract: "Read the notices sent to subjects, and deliver them through outside channels.",
        discussion: """
            Every adverse event (a deduction, a grade fall, a listing, a measure lost) and every favourable one \
            writes a notice in the same transaction: what happened, the rule and handbook version, the evidence, \
            the effect, how to remedy it and how and by when to appeal. Residents read them in the portal; \
            outside channels (a webhook to an SMS or letter gateway, a spool directory) get them from \
            `civic notice deliver`, which retries failures with growing pauses and never drops one.
            """,
        subcommands: [List.self, Show.self, Deliver.self, Channel.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A subject's notices, newest first.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Subject id.") var subject: String

        func run() async throws {
            let engine = try await store.engine()
            let notices = try await engine.notices(of: try identifier(subject, field: "SUBJECT"))
            if output.json { return try Terminal.printJSON(notices) }
            if notices.isEmpty { return print("no notices for \(subject)") }
            print(Terminal.table(["day", "notice", "kind", "tone", "delivered"], notices.map { status in
                [status.notice.createdOn.description, status.notice.id.rawValue, status.notice.kind.rawValue, status.notice.tone.rawValue,
                 status.deliveries.isEmpty ? "portal" : status.deliveries.map { "\($0.channel):\($0.status.rawValue)" }.joined(separator: " ")]
            }))
            for status in notices { print("\(status.notice.id): \(status.notice.summary)") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One notice in full, with its deliveries and every attempt.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Notice id.") var notice: String

        func run() async throws {
            let engine = try await store.engine()
            let (status, attempts) = try await engine.notice(Notice.ID(notice))
            if output.json { return try Terminal.printJSON(NoticeDetail(status: status, attempts: attempts)) }
            print(NoticeText.render(status.notice))
            for delivery in status.deliveries {
                print("delivery via \(delivery.channel): \(delivery.status.rawValue) after \(delivery.attempts) attempt(s)"
                      + (delivery.lastError.map { "; last error: \($0)" } ?? ""))
            }
            for attempt in attempts {
                print("  attempt \(attempt.number) via \(attempt.channel) at \(Date(timeIntervalSince1970: Double(attempt.at))): "
                      + (attempt.succeeded ? "delivered" : "failed: \(attempt.error ?? "-")"))
            }
        }
    }

    struct Deliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send the notices that are due through their outside channels (one pass, or every N seconds).",
            discussion: "Run it from cron, or with --every to keep going. A failed delivery is tried again after 1 min, 5 min, 30 min, 2 h, 6 h, then daily, until it succeeds.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Keep delivering, a pass every this many seconds, until interrupted.") var every: Int?
        @Option(help: "At most this many deliveries per pass.") var limit: Int = 500
        @Option(help: "Seconds to wait for a webhook to answer.") var timeout: Double = 10
        @Option(name: .customLong("spool-root"), help: ArgumentHelp("The directory every spool channel must be inside; spool channels are not delivered without it.", valueName: "path"))
        var spoolRoot: String?
        @Flag(name: .customLong("allow-private-webhooks"), help: "Let webhooks reach loopback, link-local and private addresses (a gateway on this host or network).")
        var allowPrivateWebhooks = false

        func run() async throws {
            let engine = try await store.engine()
            let deliveryGuard = DeliveryGuard(allowPrivateNetworks: allowPrivateWebhooks, spoolRoot: spoolRoot)
            let adapters: [any NoticeChannelAdapter] = [WebhookAdapter(timeoutSeconds: timeout, guard: deliveryGuard), SpoolAdapter(guard: deliveryGuard)]
            repeat {
                let pass = try await engine.deliverDue(now: Int64(Date().timeIntervalSince1970), adapters: adapters, limit: limit)
                if output.json { try Terminal.printJSON(pass) } else {
                    print("delivery pass: \(pass.attempted) attempted, \(pass.delivered) delivered, \(pass.failed) failed (to be retried)")
                }
                if let every { try await Task.sleep(for: .seconds(max(1, every))) }
            } while every != nil
        }
    }

    struct Channel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Outside delivery channels.", subcommands: [Add.self, ListChannels.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a channel: notices written from now on are queued for it.",
                discussion: "Example: civic notice channel add --id sms --kind webhook --target https://gateway.example/notices --secret-env SMS_SECRET --by admin")
            @OptionGroup var store: StoreOptions
            @Option(help: "Channel id.") var id: String
            @Option(help: "webhook or spool.") var kind: String
            @Option(help: "The webhook URL, or the spool directory (absolute path).") var target: String
            @Option(help: "Only subjects of this jurisdiction and below.") var jurisdiction: String?
            @Option(help: "Name of an environment variable holding the webhook's signing secret (kept out of shell history).")
            var secretEnv: String?
            @Option(help: "Administrator's actor id.") var by: String

            func run() async throws {
                let engine = try await store.engine()
                guard let channelKind = DeliveryChannel.Kind(rawValue: kind) else { throw CivicError(.invalidInput, "--kind: '\(kind)' is not webhook or spool") }
                var secret: String?
                if let secretEnv {
                    guard let value = ProcessInfo.processInfo.environment[secretEnv], !value.isEmpty else {
                        throw CivicError(.invalidInput, "--secret-env: the environment variable \(secretEnv) is not set")
                    }
                    secret = value
                }
                let channel = DeliveryChannel(id: try identifier(id, field: "--id"), kind: channelKind, target: target,
                                              jurisdiction: try jurisdiction.map { try identifier($0, field: "--jurisdiction") }, secret: secret)
                let result = try await engine.addChannel(channel, by: try identifier(by, field: "--by"))
                print("\(result.rawValue): channel '\(channel.id)' (\(channel.kind.rawValue) \(channel.target))")
            }
        }

        struct ListChannels: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List the channels (secrets are not shown).")
            @OptionGroup var store: StoreOptions

            func run() async throws {
                let engine = try await store.engine()
                let channels = try await engine.store.deliveryChannels()
                print(Terminal.table(["channel", "kind", "target", "jurisdiction", "signed"], channels.map {
                    [$0.id.rawValue, $0.kind.rawValue, $0.target, $0.jurisdiction?.rawValue ?? "all", $0.secret == nil ? "no" : "yes"]
                }))
            }
        }
    }
}

struct NoticeDetail: Encodable {
    var status: NoticeStatus
    var attempts: [DeliveryAttempt]
}

enum NoticeText {
    static func render(_ notice: Notice) -> String {
        var lines = ["notice \(notice.id) to \(notice.subject), \(notice.createdOn): \(notice.kind.rawValue) (\(notice.tone.rawValue))",
                     "  \(notice.summary)"]
        if let rule = notice.rule {
            let version = notice.handbookVersion.map { " v\($0)" } ?? ""
            lines.append("  rule: \(rule)\(notice.ruleTitle.map { " \($0.en) / \($0.zh)" } ?? "") — handbook \(notice.handbookJurisdiction?.rawValue ?? "-")\(version)")
        }
        if let points = notice.points { lines.append("  points: \(points.signedDescription)") }
        for evidence in notice.evidence { lines.append("  evidence: \(evidence.kind.rawValue) \(evidence.reference)") }
        if let effect = notice.effect {
            var parts = ["score \(effect.scoreBefore.map { "\($0) → " } ?? "")\(effect.scoreAfter)"]
            if effect.gradeBefore != effect.gradeAfter { parts.append("grade \(effect.gradeBefore?.rawValue ?? "-") → \(effect.gradeAfter?.rawValue ?? "-")") }
            if let until = effect.lockedUntil { parts.append("held down until \(until)") }
            if !effect.listed.isEmpty { parts.append("listed on \(effect.listed.joined(separator: ", "))") }
            if !effect.delisted.isEmpty { parts.append("off \(effect.delisted.joined(separator: ", "))") }
            if !effect.measuresLost.isEmpty { parts.append("measures against you: \(effect.measuresLost.map(\.rawValue).joined(separator: ", "))") }
            if !effect.measuresGained.isEmpty { parts.append("measures for you: \(effect.measuresGained.map(\.rawValue).joined(separator: ", "))") }
            lines.append("  effect: " + parts.joined(separator: "; "))
        }
        if let remedy = notice.remedy { lines.append("  how to remedy: \(remedy.en) / \(remedy.zh)") }
        if let cureBy = notice.cureBy { lines.append("  put it right by \(cureBy) and nothing is deducted") }
        if let appealBy = notice.appealBy, let entry = notice.entry {
            lines.append("  to appeal: civic appeal file --entry \(entry) ... by \(appealBy), with a statement and evidence")
        }
        return lines.joined(separator: "\n")
    }
}
