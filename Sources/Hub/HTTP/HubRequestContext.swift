import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of the bridge's HTTP routes. It keeps the NIO channel (the peer's address for
/// logs). Stream upgrades do not go through a router context (``StreamUpgrade`` says why).
public struct HubRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<HubRequestContext>
    /// The connection's channel.
    public let channel: any Channel
    /// Who sent the request, set by ``BearerAuthMiddleware`` on `/v1/…` routes.
    public var principal: HubPrincipal?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
        principal = nil
    }
}
