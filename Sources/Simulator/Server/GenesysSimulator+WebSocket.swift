import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import SwitchboardCore

/// The notification WebSocket: `connectUri` = `ws://HOST:PORT/channels/<id>` (after a
/// `move-endpoint` fault, `/moved/<n>/channels/<id>`). The channel id is the credential.
extension GenesysSimulator {
    func addWebSocketRoutes(_ router: Router<SimRequestContext>) {
        router.ws("/channels/:id", shouldUpgrade: { [self] _, context in
            try upgradeCheck(context.parameters.get("id") ?? "", generation: 0)
        }, onUpgrade: { [self] inbound, outbound, context in
            await serveSocket(context.requestContext.parameters.get("id") ?? "", inbound, outbound,
                              context.requestContext.channel)
        })
        router.ws("/moved/:gen/channels/:id", shouldUpgrade: { [self] _, context in
            try upgradeCheck(context.parameters.get("id") ?? "",
                             generation: context.parameters.get("gen").flatMap { Int($0) } ?? -1)
        }, onUpgrade: { [self] inbound, outbound, context in
            await serveSocket(context.requestContext.parameters.get("id") ?? "", inbound, outbound,
                              context.requestContext.channel)
        })
    }

    /// The org that holds live channel `id`.
    func org(ofChannel id: String) -> OrgRuntime? {
        let now = SystemClock.realNow()
        return orgs.first { rt in rt.with { $0.liveChannel(id, realNow: now) != nil } }
    }

    private func upgradeCheck(_ id: String, generation: Int) throws -> RouterShouldUpgrade {
        let now = SystemClock.realNow()
        enum Verdict: Sendable { case upgrade, refuse, wrongAddress }
        for rt in orgs {
            let verdict = rt.with { s -> Verdict? in
                guard let ch = s.liveChannel(id, realNow: now) else { return nil }
                guard ch.generation == generation && s.endpointGeneration == generation else { return .wrongAddress }
                guard s.socketRefusals == 0 else {
                    s.socketRefusals -= 1
                    return .refuse
                }
                return .upgrade
            }
            switch verdict {
            case .upgrade?: return .upgrade([:])
            case .refuse?: throw HTTPError(.serviceUnavailable, message: "The streaming service is unavailable; try again later.")
            case .wrongAddress?: throw HTTPError(.notFound, message: "No channel \(id) at this address.")
            case nil: continue
            }
        }
        throw HTTPError(.notFound, message: "No channel \(id) at this address.")
    }

    struct InboundMessage: Decodable {
        let message: String?
        let topics: [String]?
        let correlationId: String?
    }

    private func serveSocket(_ channelID: String, _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter,
                             _ nio: any Channel) async {
        guard let rt = org(ofChannel: channelID) else { return }
        let (stream, continuation) = AsyncStream.makeStream(
            of: String.self, bufferingPolicy: .bufferingOldest(max(16, options.socketBufferMessages)))
        let socketID = socketCounter.add(1, ordering: .relaxed).newValue
        let socket = SimSocket(id: socketID, channelID: channelID, continuation: continuation, nio: nio)
        let closing = servedSockets.withLock { state in
            state.sockets[socketID] = socket
            return state.closing
        }
        defer { _ = servedSockets.withLock { $0.sockets.removeValue(forKey: socketID) } }
        if closing { socket.abort() }
        let heartbeat = max(10, Self.millis(options.heartbeatInterval))
        guard rt.with({ $0.attach(socket, to: channelID, realNow: SystemClock.realNow(), heartbeatMs: heartbeat) }) else {
            return
        }
        logger.debug("socket open", metadata: ["org": "\(rt.id)", "channel": "\(channelID)", "socket": "\(socketID)"])
        let maxFrame = options.maxFrameSize
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await text in stream {
                    do { try await outbound.write(.text(text)) } catch { break }
                }
            }
            group.addTask { [self] in
                do {
                    for try await message in inbound.messages(maxSize: maxFrame) {
                        guard case .text(let text) = message else { continue }
                        handleInbound(text, rt: rt, channelID: channelID, socket: socket)
                    }
                } catch {}
            }
            _ = await group.next()
            group.cancelAll()
        }
        socket.finish()
        rt.with { $0.detach(socketID: socketID, from: channelID, realNow: SystemClock.realNow()) }
        logger.debug("socket closed", metadata: ["org": "\(rt.id)", "channel": "\(channelID)", "socket": "\(socketID)"])
    }

    /// `{"message":"ping"}` → pong; `{"message":"subscribe","topics":[…]}` (the socket form some
    /// clients use) adds topics and answers `{"result":"200","status":"subscribed"}`.
    private func handleInbound(_ text: String, rt: OrgRuntime, channelID: String, socket: SimSocket) {
        guard let msg = try? JSONDecoder().decode(InboundMessage.self, from: Data(text.utf8)) else { return }
        switch msg.message {
        case "ping":
            rt.with { $0.ping(channel: channelID, socketID: socket.id) }
        case "subscribe":
            let ttl = Self.millis(options.channelTTL)
            let ok = rt.result { s throws(APIError) in
                try s.subscribe(channelID, topics: msg.topics ?? [], replace: false, ignoreErrors: true,
                                realNow: SystemClock.realNow(), ttl: ttl)
            }
            let ghost = rt.with { $0.channels[channelID]?.ghost ?? false }
            guard !ghost else { return }
            var w = JSONWriter()
            w.object { w in
                if case .success = ok {
                    w.field("result", "200")
                    w.field("status", "subscribed")
                } else {
                    w.field("result", "404")
                }
                if let c = msg.correlationId { w.field("correlationId", c) }
            }
            socket.send(w.string)
        default:
            return
        }
    }
}
