import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Posts one HTTP/1.1 request to an address already checked, never to what the name resolves to
/// later: the webhook's host is resolved once, every address checked (`DeliveryGuard`), and the
/// connection made to the checked address. The request still names the host (`Host` header) and,
/// over https, the TLS handshake sends it (SNI) and the certificate is verified against it with the
/// system's trust roots (swift-nio-ssl). So a name that answers a public address to the check and a
/// loopback address a moment later (DNS rebinding) cannot steer the request inside.
struct PinnedHTTPClient {
    struct Response: Sendable {
        var status: Int
    }

    /// One client TLS context for every delivery: full certificate and host-name verification.
    static let tlsContext: Result<NIOSSLContext, any Error> = Result { try NIOSSLContext(configuration: .makeClientConfiguration()) }

    static func post(to address: SocketAddress, url: URL, host: String, headers extra: [(String, String)], body: Data,
                     timeoutSeconds: Double) async throws -> Response {
        let https = url.scheme?.lowercased() == "https"
        let sslContext = https ? try tlsContext.get() : nil
        let group = MultiThreadedEventLoopGroup.singleton
        let timeout = TimeAmount.milliseconds(Int64(timeoutSeconds * 1000))
        let promise = group.next().makePromise(of: Response.self)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: host))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(StatusHandler(promise: promise))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(to: address).get()
        } catch {
            promise.fail(error)
            throw error
        }
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(ChannelError.connectTimeout(timeout))
            channel.close(promise: nil)
        }
        var path = url.path.isEmpty ? "/" : url.path
        if let query = url.query { path += "?" + query }
        var headers = HTTPHeaders()
        let defaultPort = https ? 443 : 80
        let hostHeader = host.contains(":") ? "[\(host)]" : host
        headers.add(name: "Host", value: url.port.map { $0 == defaultPort ? hostHeader : "\(hostHeader):\($0)" } ?? hostHeader)
        for (name, value) in extra { headers.add(name: name, value: value) }
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        return try await promise.futureResult.get()
    }

    /// Completes with the response's status once the whole response has arrived.
    final class StatusHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        let promise: EventLoopPromise<Response>
        var status: Int?

        init(promise: EventLoopPromise<Response>) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): status = Int(head.status.code)
            case .body: break
            case .end:
                if let status { promise.succeed(Response(status: status)) }
                context.close(promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(ChannelError.eof)
            context.fireChannelInactive()
        }
    }
}
