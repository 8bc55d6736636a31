import HummingbirdWebSocket
import NIOCore
import Synchronization

/// A WebSocket endpoint other than `/v1/stream` on the bridge's listener, decided before the upgrade
/// (the Bridge passes AudioHook's `/audiohook/v1` through it; the Hub knows nothing of AudioHook).
///
/// The connection's first request, when it asks for a WebSocket on `path`, is held by the
/// ``ConnectionGate`` (still counted as unauthenticated, under the header-read timeout until it arrived)
/// while `decide` runs; `decide` may take its time (a refusal delay). A refusal is answered right there
/// with its status and body and the connection closed; an acceptance goes on to the upgrader, and
/// the handler runs the socket. Like `/v1/stream`, no `Router.ws` is involved (it leaks each closed
/// socket's channel in hummingbird-websocket 2.8.1; see `StreamUpgrade`).
public struct WebSocketUpgradeRoute: Sendable {
    /// Runs one accepted WebSocket until it ends.
    public typealias Handler = @Sendable (WebSocketInboundStream, WebSocketOutboundWriter) async throws -> Void

    /// The upgrade request as the gate saw it.
    public struct Head: Sendable {
        public var method: String
        /// Path and query as received.
        public var target: String
        /// Header fields in arrival order.
        public var headers: [(name: String, value: String)]
        /// The peer's `ip:port`, for logs.
        public var remote: String

        public init(method: String, target: String, headers: [(name: String, value: String)], remote: String) {
            self.method = method
            self.target = target
            self.headers = headers
            self.remote = remote
        }
    }

    public enum Decision: Sendable {
        /// Answer over HTTP with this status and body (`Connection: close`), no upgrade.
        case refuse(status: Int, contentType: String = "application/json; charset=utf-8", body: String)
        /// Upgrade and run the handler.
        case accept(Handler)
    }

    /// The request path (without query) this route upgrades.
    public var path: String
    public var decide: @Sendable (Head) async -> Decision

    public init(path: String, decide: @escaping @Sendable (Head) async -> Decision) {
        self.path = path
        self.decide = decide
    }
}

/// Accepted route upgrades between the gate's decision and the upgrader's `shouldUpgrade`, per channel.
/// An entry lives from the decision until the upgrader takes it or the channel closes.
final class PendingRouteUpgrades: Sendable {
    private let handlers = Mutex<[ObjectIdentifier: WebSocketUpgradeRoute.Handler]>([:])

    func put(_ handler: @escaping WebSocketUpgradeRoute.Handler, for channel: any Channel) {
        let key = ObjectIdentifier(channel)
        handlers.withLock { $0[key] = handler }
        channel.closeFuture.whenComplete { [self] _ in _ = handlers.withLock { $0.removeValue(forKey: key) } }
    }

    func take(for channel: any Channel) -> WebSocketUpgradeRoute.Handler? {
        let key = ObjectIdentifier(channel)
        return handlers.withLock { $0.removeValue(forKey: key) }
    }

    var count: Int { handlers.withLock { $0.count } }
}
