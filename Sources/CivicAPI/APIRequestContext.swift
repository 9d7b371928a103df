public import Hummingbird
public import NIOCore

/// The request context of every route: Hummingbird's core storage, the peer's address (for rate
/// limits on anonymous callers) and the authenticated caller.
public struct APIRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    public var caller = Caller.anonymous

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
