import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import SwitchboardCore

/// The seed Audio Connector's wire: `GET /api/v2/audioconnector/connections` (discovery, Bearer token) and the
/// WebSocket `/audioconnector/ws?token=…` it points at (docs/audio.md, "The seed Audio Connector").
extension GenesysSimulator {
    func addSeedAudioRoutes(_ router: Router<SimRequestContext>) {
        router.get("/api/v2/audioconnector/connections") { [self] request, _ in
            await api(request) { [self] caller in
                let base = "ws://" + baseURL.dropFirst("http://".count)
                let d = seedAudio.discover(org: caller.org.id, base: base, realNow: SystemClock.realNow())
                var w = JSONWriter()
                w.object { w in
                    w.field("uri", d.uri)
                    w.field("connectionId", plain: d.connectionId)
                    w.field("region", d.region)
                    w.field("expiresIn", d.expiresIn)
                }
                return .success((.ok, w.bytes))
            }
        }
    }

    static let refusalDelay: Duration = .milliseconds(50)

    func addSeedAudioWebSocketRoutes(_ router: Router<SimRequestContext>) {
        // The upgrade is always accepted; a bad token is told apart only afterwards, by a 4401 close.
        router.ws("/audioconnector/ws", shouldUpgrade: { _, _ in .upgrade([:]) }, onUpgrade: { [self] inbound, outbound, context in
            let token = context.request.uri.queryParameters.get("token") ?? ""
            switch seedAudio.redeem(token, realNow: SystemClock.realNow()) {
            case .refused(let reason):
                logger.debug("seed audio connection refused", metadata: ["reason": "\(reason)"])
                // A close frame that travels with the 101 answer can be lost by a client still switching protocols
                // (HummingbirdWSClient then waits out its close timeout): let the upgrade settle first.
                try? await Task.sleep(for: Self.refusalDelay)
                try? await outbound.close(.unknown(4401), reason: reason)
            case .valid(let org):
                await serveSeedSocket(org: org, inbound, outbound, context.requestContext.channel)
            }
        })
    }

    private func serveSeedSocket(org: String, _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter,
                                 _ nio: any Channel) async {
        let id = seedAudio.nextConnectionID()
        let (stream, continuation) = AsyncStream.makeStream(
            of: SimSeedSocket.Outgoing.self, bufferingPolicy: .bufferingOldest(max(16, seedAudio.options.outboxMessages)))
        let socket = SimSeedSocket(id: id, org: org, continuation: continuation, nio: nio)
        _ = seedAudio.open(socket)
        logger.debug("seed audio connection open", metadata: ["org": "\(org)", "connection": "\(id)"])
        let seedAudio = self.seedAudio
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await SimSeedSocket.write(stream, to: outbound)
            }
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: 1 << 16) {
                        if case .text(let text) = message { seedAudio.received(text, connection: id) }
                    }
                } catch {}
            }
            _ = await group.next()
            group.cancelAll()
        }
        continuation.finish()
        seedAudio.closed(connection: id)
        logger.debug("seed audio connection closed", metadata: [
            "org": "\(org)", "connection": "\(id)", "tooSlow": "\(socket.wasTooSlow)",
        ])
    }
}
