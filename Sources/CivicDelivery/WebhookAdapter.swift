public import CivicCore
import Crypto
public import Foundation
import NIOCore

/// Posts each notice as JSON to the channel's URL (an operator's SMS or letter gateway).
///
/// Headers: `Idempotency-Key` (the notice and channel: a receiver drops repeats, since a delivery
/// whose answer was lost is sent again) and, when the channel has a secret, `X-Civic-Signature:
/// sha256=<hex HMAC-SHA256 of the body>`. Any answer other than 2xx, or no answer within the
/// timeout, is a failure that the outbox retries later.
///
/// The URL is checked at every delivery (`DeliveryGuard`): its host is resolved once, none of its
/// addresses may be on this machine or a private network unless the operator allowed that, and the
/// request goes to a checked address (`PinnedHTTPClient`: no second resolution, so no DNS rebinding;
/// `Host`, SNI and certificate verification still use the name). A redirect is never followed (a
/// public gateway cannot bounce the request inside).
public struct WebhookAdapter: NoticeChannelAdapter {
    public let kind = DeliveryChannel.Kind.webhook
    public var timeoutSeconds: Double
    public var guard_: DeliveryGuard

    public init(timeoutSeconds: Double = 10, guard deliveryGuard: DeliveryGuard = DeliveryGuard()) {
        self.timeoutSeconds = timeoutSeconds
        self.guard_ = deliveryGuard
    }

    public static func signature(of body: Data, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }

    public func deliver(_ notice: Notice, subject: Subject, through channel: DeliveryChannel) async throws {
        guard let url = URL(string: channel.target), url.scheme == "https" || url.scheme == "http", let host = url.host else {
            throw CivicError(.invalidInput, "channel '\(channel.id)' has no usable URL")
        }
        try guard_.checkWebhook(channel.target)
        let addresses = try guard_.checkedAddresses(host: host)
        let body = try NoticePayload(channel: channel.id, notice: notice).encoded()
        var headers = [("Content-Type", "application/json"), ("Idempotency-Key", "\(notice.id.rawValue)/\(channel.id.rawValue)")]
        if let secret = channel.secret { headers.append(("X-Civic-Signature", Self.signature(of: body, secret: secret))) }
        let port = url.port ?? (url.scheme == "https" ? 443 : 80)
        var failure = "no address"
        // The checked addresses in the resolver's order; the first that answers takes the request.
        for address in addresses.prefix(4) {
            let socketAddress: SocketAddress
            do { socketAddress = try SocketAddress(ipAddress: address, port: port) } catch { continue }
            let response: PinnedHTTPClient.Response
            do {
                response = try await PinnedHTTPClient.post(to: socketAddress, url: url, host: host, headers: headers, body: body,
                                                            timeoutSeconds: timeoutSeconds)
            } catch {
                failure = "\(error)"
                continue
            }
            // A redirect is never followed: the 3xx itself is a failure, like any answer but 2xx.
            guard (200..<300).contains(response.status) else {
                throw CivicError(.storage, "webhook \(host) answered HTTP \(response.status)")
            }
            return
        }
        throw CivicError(.storage, "webhook \(host) did not answer: \(failure.prefix(200))")
    }
}

/// Writes each notice as a JSON file into the channel's directory, for a program that prints
/// letters or sends messages to pick up. The file appears whole (written aside, then renamed). The
/// directory must be inside the configured spool root, symbolic links resolved.
public struct SpoolAdapter: NoticeChannelAdapter {
    public let kind = DeliveryChannel.Kind.spool
    public var guard_: DeliveryGuard

    public init(guard deliveryGuard: DeliveryGuard = DeliveryGuard()) { self.guard_ = deliveryGuard }

    public func deliver(_ notice: Notice, subject: Subject, through channel: DeliveryChannel) async throws {
        let directory = try guard_.checkSpool(channel.target)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CivicError(.notFound, "spool directory '\(channel.target)' does not exist")
        }
        let name = notice.id.rawValue.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" }
        let file = directory.appendingPathComponent(String(name) + ".json")
        let body = try NoticePayload(channel: channel.id, notice: notice).encoded()
        let temporary = directory.appendingPathComponent(".\(String(name)).\(UUID().uuidString).tmp")
        try body.write(to: temporary, options: .atomic)
        if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
        try FileManager.default.moveItem(at: temporary, to: file)
    }
}
