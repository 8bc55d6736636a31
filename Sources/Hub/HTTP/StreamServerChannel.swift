import Hummingbird
import HummingbirdCore
import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
@_spi(WSInternal) import WSCore

/// The listener's child channel: HTTP/1 with WebSocket upgrades, a ``ConnectionGate`` right after the request
/// decoder on every accepted connection, and an ``UnmaskedFrameGuard/Installer`` at the end, which puts the
/// masking check (and, when negotiated, the inflater) behind the frame decoder when the connection becomes a
/// WebSocket.
///
/// Upgrades are decided per request (``UpgradeDecision``): the stream (`/v1/stream`) becomes a
/// ``StreamChannelHandler`` in the pipeline and the connection's task ends there — a stream keeps no task; other
/// endpoints (AudioHook) run in the connection's task through WSCore, as hummingbird-websocket runs them.
/// Requests that do not upgrade go to Hummingbird's router.
///
/// The pipeline set-up and the non-stream cases follow hummingbird-websocket 2.8.1's
/// `HTTP1WebSocketUpgradeChannel` (Apache 2.0), which cannot host a handler that outlives no task: its upgrade
/// always wraps the channel in a `NIOAsyncChannel` served by the connection's task.
struct StreamServerChannel: ServerChildChannel, HTTPChannelHandler {
    /// What the listener does with a WebSocket upgrade request.
    enum UpgradeDecision: Sendable {
        /// The stream: `install` puts its handler in the pipeline once the `101` is written (the frame codec
        /// is there by then).
        case stream(HTTPHeaders, install: @Sendable (any Channel) throws -> Void)
        /// Another WebSocket endpoint, run by WSCore in the connection's task.
        case route(HTTPHeaders, WebSocketUpgradeRoute.Handler)
        /// No upgrade: `400`.
        case refuse
    }

    enum UpgradeResult: Sendable {
        case stream
        case route(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, WebSocketUpgradeRoute.Handler)
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case failedUpgrade(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    struct Context: WebSocketContext {
        let logger: Logger
    }

    let responder: HTTPChannelHandler.Responder
    let configuration: HTTP1WebSocketUpgradeChannel.Configuration
    let policy: ConnectionGatePolicy
    let decide: @Sendable (HTTPRequestHead, any Channel) async -> UpgradeDecision

    init(responder: @escaping HTTPChannelHandler.Responder, configuration: HTTP1WebSocketUpgradeChannel.Configuration,
         policy: ConnectionGatePolicy, decide: @escaping @Sendable (HTTPRequestHead, any Channel) async -> UpgradeDecision) {
        self.responder = Self.upgradeAwareResponder(responder)
        self.configuration = configuration
        self.policy = policy
        self.decide = decide
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let decision = NIOLoopBoundBox<UpgradeDecision?>(nil, eventLoop: channel.eventLoop)
            let decide = self.decide
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: configuration.ws.maxFrameSize,
                shouldUpgrade: { channel, head in
                    let loop = channel.eventLoop
                    return loop.makeFutureWithTask { await decide(head, channel) }.map { d -> HTTPHeaders? in
                        decision.value = d
                        switch d {
                        case .stream(let headers, _), .route(let headers, _): return headers
                        case .refuse: return nil
                        }
                    }
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        switch decision.value {
                        case .stream(_, let install):
                            try install(channel)
                            return .stream
                        case .route(_, let handler):
                            let async = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
                                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                            return .route(async, handler)
                        case .refuse, nil:
                            preconditionFailure("upgraded without an accepted decision")
                        }
                    }
                })
            let notUpgraded = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try pipeline.addHandlers(configuration.http1.additionalChannelHandlers())
                        try pipeline.addHandler(HTTPConnectionStateHandler(
                            idleTimeout: configuration.http1.idleTimeout.map { .init($0) }, logger: logger))
                        let async = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        if case .refuse = decision.value { return .failedUpgrade(async) }
                        return .notUpgraded(async)
                    }
                })
            var upgradeConfiguration = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: notUpgraded)
            upgradeConfiguration.enablePipelining = false  // HTTP is pipelined by NIOAsyncChannel
            upgradeConfiguration.enableErrorHandling = false  // Hummingbird's
            upgradeConfiguration.enableResponseHeaderValidation = false  // Swift HTTP Types validate
            upgradeConfiguration.decoderConfiguration.maxHeaderFieldSize = configuration.http1.httpDecoder.maxHeaderFieldSize
            upgradeConfiguration.decoderConfiguration.maxHeaderListSize = configuration.http1.httpDecoder.maxHeaderListSize
            upgradeConfiguration.decoderConfiguration.maxHeaderFieldCount = configuration.http1.httpDecoder.maxHeaderFieldCount
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: upgradeConfiguration)

            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(ConnectionGate(policy: policy), position: .after(decoder))
            try pipeline.addHandler(UnmaskedFrameGuard.Installer(logger: policy.logger, deflate: policy.perMessageDeflate
                ? .init(streamPath: policy.streamPath, maxBytes: policy.maxInboundFrameBytes) : nil))
            return Value(upgradeResult: result, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .stream:
                return  // the pipeline serves it from here on
            case .notUpgraded(let http1):
                await handleHTTP(asyncChannel: http1, logger: logger)
            case .failedUpgrade(let http1):
                await Self.writeFailedUpgrade(http1, logger: logger)
            case .route(let ws, let handler):
                let settings = configuration.ws
                _ = try await WebSocketHandler.handle(
                    type: .server,
                    configuration: .init(extensions: [], autoPing: settings.autoPing, closeTimeout: settings.closeTimeout,
                                         validateUTF8: settings.validateUTF8, maxFrameSize: settings.maxFrameSize),
                    asyncChannel: ws, context: Context(logger: logger),
                    handler: { inbound, outbound, _ in try await handler(inbound, outbound) })
            }
        } catch let error as ChannelError where error == .inputClosed {
            logger.trace("upgrade failed: input closed")
        } catch {
            logger.debug("connection ended with an error", metadata: ["error": "\(error)"])
        }
    }

    /// `400` for an upgrade that was refused after the gate let it through (the last slot taken meanwhile).
    private static func writeFailedUpgrade(_ channel: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, logger: Logger) async {
        do {
            try await channel.executeThenClose { _, outbound in
                let head = HTTPResponse(status: .badRequest, headerFields: [.connection: "close", .contentLength: "0"])
                try await outbound.write(contentsOf: [.head(head), .end(nil)])
            }
        } catch {
            logger.trace("could not answer a refused upgrade", metadata: ["error": "\(error)"])
        }
    }

    /// An upgrade asked for on a kept-alive connection (after a first plain request) is answered with a redirect
    /// to itself and the connection closed: swift-nio's upgrader only looks at a connection's first request, so the
    /// client's retry on a new connection upgrades (hummingbird-websocket does the same).
    private static func upgradeAwareResponder(_ responder: @escaping HTTPChannelHandler.Responder) -> HTTPChannelHandler.Responder {
        struct RedirectThenClose: Error {}
        return { request, writer, channel in
            guard request.headers[.upgrade] == "websocket" else { return try await responder(request, writer, channel) }
            var target = request.uri.path
            if let query = request.uri.query { target += "?\(query)" }
            try await writer.writeResponse(HTTPResponse(status: .temporaryRedirect, headerFields: [.connection: "close", .location: target]))
            throw RedirectThenClose()
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with WebSocket upgrades decided by `decide`, every connection behind a gate.
    static func streamServer(
        configuration: HTTP1WebSocketUpgradeChannel.Configuration, policy: ConnectionGatePolicy,
        decide: @escaping @Sendable (HTTPRequestHead, any Channel) async -> StreamServerChannel.UpgradeDecision
    ) -> HTTPServerBuilder {
        .init { responder in
            StreamServerChannel(responder: responder, configuration: configuration, policy: policy, decide: decide)
        }
    }
}
