import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of the bridge's routes. It keeps the NIO channel, so the hub can force-close
/// a stream connection whose peer stopped reading (a writer suspended on backpressure is released).
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
