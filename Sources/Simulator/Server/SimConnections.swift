import NIOCore
import Synchronization

/// Every connection the simulator's server has accepted, so a shutdown can close what its clients left open.
///
/// Why hand-written: Hummingbird's graceful shutdown waits for every accepted connection to end, and under
/// load a connection whose client neither sends nor closes (seen after the bridge stopped, with its pooled
/// keep-alive connections and 403 answers) kept it waiting for good — cancellation did not end it either. A
/// test double must not hold its test up: once a shutdown began and a short grace passed, ``closeAll()``
/// closes whatever is left. Hummingbird offers no hook to enumerate its child channels; an extra channel
/// handler registering each connection is the smallest way in.
final class SimConnections: Sendable {
    private let open = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        open.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.open.withLock { $0.removeValue(forKey: key) }
        }
    }

    /// Closes every connection still open; returns how many.
    @discardableResult
    func closeAll() -> Int {
        let channels = open.withLock { Array($0.values) }
        for channel in channels { channel.close(promise: nil) }
        return channels.count
    }

    var count: Int { open.withLock { $0.count } }

    /// The channel handler that registers its connection (removable: a WebSocket upgrade takes the HTTP
    /// handlers out; the registration stays until the connection closes).
    func handler() -> Registrar { Registrar(connections: self) }

    final class Registrar: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny
        let connections: SimConnections
        init(connections: SimConnections) { self.connections = connections }
        func handlerAdded(context: ChannelHandlerContext) { connections.add(context.channel) }
    }
}
