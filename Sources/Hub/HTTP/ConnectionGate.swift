import Logging
import NIOCore
import NIOHTTP1

/// The first handler after the HTTP request decoder on every accepted connection: it enforces the
/// header-read timeout, the cap on connections that are not (yet) an authenticated stream, answers
/// oversized request heads with `431`, and decides a stream upgrade before the WebSocket upgrader sees it.
///
/// Why a handler of our own: Hummingbird's idle timeout (`HTTP1Channel.Configuration.idleTimeout`) only
/// starts once the first request head has been decoded on an upgrade-capable channel, so a silent or
/// slow-loris connection was never timed out; its `availableConnectionsDelegate` pauses *accepting*
/// for all clients and cannot tell an authenticated stream from an idle socket; a decoder error before
/// the first head got no answer at all; and hummingbird-websocket answers every refused upgrade with a
/// bare `400`. The decisions are in ``StateMachine``; this class only carries them out.
final class ConnectionGate: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let policy: ConnectionGatePolicy
    private var machine = StateMachine()
    /// True while this connection is counted in the policy's unauthenticated connections.
    private var counted = false
    private var headerTimer: Scheduled<Void>?
    /// Parts of the stream request held while its admission is decided.
    private var held: [HTTPServerRequestPart] = []
    private var readPending = false

    init(policy: ConnectionGatePolicy) {
        self.policy = policy
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { activate(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        activate(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        machine.closed()
        release()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    private func activate(_ context: ChannelHandlerContext) {
        guard machine.state == .idle else { return }
        let admitted = policy.enter()
        counted = admitted
        switch machine.activated(admitted: admitted) {
        case .armHeaderTimeout:
            headerTimer = context.eventLoop.assumeIsolated().scheduleTask(in: policy.headerReadTimeout) { [self] in
                headerTimer = nil
                guard machine.headerTimeoutFired() else { return }
                policy.closed(.headerTimeout, remote: context.channel.remoteAddress)
                closeBeforeFirstRequest(context)
            }
        case .closeOverCapacity:
            policy.closed(.overCapacity, remote: context.channel.remoteAddress)
            closeBeforeFirstRequest(context)
        case .none:
            break
        }
    }

    /// Stops the timer and leaves the unauthenticated count (once).
    private func release() {
        headerTimer?.cancel()
        headerTimer = nil
        held = []
        if counted {
            counted = false
            policy.leave()
        }
    }

    /// Closes a connection whose first request never arrived. The upgrade handler after us is told the
    /// input closed, so it ends its wait quietly (a plain close would make it report an error).
    private func closeBeforeFirstRequest(_ context: ChannelHandlerContext) {
        context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        context.close(promise: nil)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if machine.state == .deciding {
            held.append(part)
            return
        }
        guard case .head(let head) = part else {
            context.fireChannelRead(data)
            return
        }
        switch machine.head(policy.kind(of: head)) {
        case .forward:
            cancelHeaderTimer()
            context.fireChannelRead(data)
        case .forwardRefused:
            cancelHeaderTimer()
            context.fireChannelRead(wrapInboundOut(.head(Self.refused(head))))
        case .decide:
            cancelHeaderTimer()
            held = [part]
            decide(head, context: context)
        }
    }

    private func decide(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        if let route = policy.route(for: head) {
            decideRoute(route, head: head, context: context)
            return
        }
        let promise = context.eventLoop.makePromise(of: Bool.self)
        let admit = policy.admit
        promise.completeWithTask { await admit(head) }
        promise.futureResult.assumeIsolated().whenComplete { [self] result in
            let admitted = (try? result.get()) ?? false
            switch machine.decided(admit: admitted) {
            case .forwardAndLeave:
                // From here the connection is the upgrader's; it counts against maxConnections instead.
                forwardHeld(context, refuse: false)
                release()
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            case .forwardRefused:
                forwardHeld(context, refuse: true)
            case .none:
                held = []
            }
        }
    }

    /// A ``WebSocketUpgradeRoute``'s request: accepted, it goes on to the upgrader with its handler
    /// waiting in the policy's pending routes; refused, the gate answers it and closes.
    private func decideRoute(_ route: WebSocketUpgradeRoute, head: HTTPRequestHead, context: ChannelHandlerContext) {
        let request = WebSocketUpgradeRoute.Head(
            method: head.method.rawValue, target: head.uri, headers: head.headers.map { ($0.name, $0.value) },
            remote: context.channel.remoteAddress.map(ConnectionGatePolicy.describe) ?? "-")
        let promise = context.eventLoop.makePromise(of: WebSocketUpgradeRoute.Decision.self)
        promise.completeWithTask { await route.decide(request) }
        let pending = policy.pendingRoutes
        promise.futureResult.assumeIsolated().whenSuccess { [self] decision in
            switch decision {
            case .accept(let handler):
                guard machine.decided(admit: true) == .forwardAndLeave else { return }
                pending.put(handler, for: context.channel)
                forwardHeld(context, refuse: false)
                release()
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            case .refuse(let status, let contentType, let body):
                guard machine.refusedByRoute() else { return }
                held = []
                let written = context.eventLoop.makePromise(of: Void.self)
                writeResponse(status: status, contentType: contentType, body: ByteBuffer(string: body), context: context,
                              promise: written)
                written.futureResult.assumeIsolated().whenComplete { [self] _ in closeBeforeFirstRequest(context) }
            }
        }
    }

    private func forwardHeld(_ context: ChannelHandlerContext, refuse: Bool) {
        let parts = held
        held = []
        for part in parts {
            if refuse, case .head(let head) = part {
                context.fireChannelRead(wrapInboundOut(.head(Self.refused(head))))
            } else {
                context.fireChannelRead(wrapInboundOut(part))
            }
        }
        context.fireChannelReadComplete()
        if readPending {
            readPending = false
            context.read()
        }
    }

    /// The head without its upgrade request, so the router answers it, and with `Connection: close`
    /// (the decoder reads nothing after an upgrade request, so the connection cannot be reused).
    static func refused(_ head: HTTPRequestHead) -> HTTPRequestHead {
        var head = head
        head.headers.remove(name: "upgrade")
        head.headers.replaceOrAdd(name: "connection", value: "close")
        return head
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        let beforeFirstRequest = machine.state == .awaitingHead
        cancelHeaderTimer()
        switch machine.parseError(headerTooLarge: parserError == .headerOverflow) {
        case .respond(let status):
            policy.closed(status == 431 ? .headerTooLarge : .badRequest, remote: context.channel.remoteAddress)
            let written = context.eventLoop.makePromise(of: Void.self)
            writeError(status: status, context: context, promise: written)
            written.futureResult.assumeIsolated().whenComplete { [self] _ in
                if beforeFirstRequest { closeBeforeFirstRequest(context) } else { context.close(promise: nil) }
            }
        case .close:
            if beforeFirstRequest { closeBeforeFirstRequest(context) } else { context.close(promise: nil) }
        }
    }

    private func writeError(status: Int, context: ChannelHandlerContext, promise: EventLoopPromise<Void>) {
        let (code, message) = status == 431
            ? ("header-too-large", "the request line and headers exceed \(policy.maxHeaderBytes) bytes")
            : ("bad-request", "the request could not be parsed as HTTP/1.1")
        writeResponse(status: status, contentType: "application/json; charset=utf-8", body: HubFrame.error(code, message),
                      context: context, promise: promise)
    }

    private func writeResponse(status: Int, contentType: String, body: ByteBuffer, context: ChannelHandlerContext,
                               promise: EventLoopPromise<Void>) {
        var headers = HTTPHeaders(SecurityHeaders.fixed.map { ($0.name.rawName, $0.value) })
        headers.add(name: "content-type", value: contentType)
        headers.add(name: "content-length", value: String(body.readableBytes))
        headers.add(name: "connection", value: "close")
        let head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
    }

    private func cancelHeaderTimer() {
        headerTimer?.cancel()
        headerTimer = nil
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        if machine.state == .deciding {
            readPending = true
        } else {
            context.read()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            if case .http(_, closeAfterResponse: true) = machine.state {
                head.headers.replaceOrAdd(name: "connection", value: "close")
            }
            machine.responseStarted()
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            guard machine.responseEnded() else {
                context.write(data, promise: promise)
                return
            }
            let written = context.eventLoop.makePromise(of: Void.self)
            if let promise { written.futureResult.cascade(to: promise) }
            context.writeAndFlush(data, promise: written)
            written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
