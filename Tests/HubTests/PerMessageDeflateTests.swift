import CompressNIO
import Foundation
@testable import Hub
import NIOCore
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The stream's permessage-deflate (RFC 7692): negotiation, one compressed copy per message shared by every
/// client, inflating what clients compress, and failing what cannot be inflated — over real sockets, with a
/// byte-level client and with hummingbird-websocket's own compressing client as the peer.
@Suite("permessage-deflate on the stream")
struct PerMessageDeflateTests {
    static let auth = HubHarness.auth([("dash", "t-global", [.global])])
    static let offer = ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")

    // MARK: negotiation

    @Test func negotiationAcceptsTheOffersItCanHonour() {
        let yes = PerMessageDeflate.response
        #expect(PerMessageDeflate.negotiate(["permessage-deflate"]) == yes)
        #expect(PerMessageDeflate.negotiate(["permessage-deflate; client_max_window_bits"]) == yes, "Chromium's offer")
        #expect(PerMessageDeflate.negotiate(["permessage-deflate; client_max_window_bits=10; server_no_context_takeover"]) == yes)
        #expect(PerMessageDeflate.negotiate(["permessage-deflate; server_max_window_bits=15"]) == yes)
        #expect(PerMessageDeflate.negotiate(["x-webkit-deflate-frame, permessage-deflate"]) == yes, "a later offer counts")
        #expect(PerMessageDeflate.negotiate(["permessage-deflate; server_max_window_bits=10, permessage-deflate"]) == yes,
                "the first offer is declined (smaller window), the second accepted")
        #expect(PerMessageDeflate.negotiate(["permessage-deflate; server_max_window_bits=10"]) == nil)
        #expect(PerMessageDeflate.negotiate(["permessage-deflate; mystery=1"]) == nil, "unknown parameters decline")
        #expect(PerMessageDeflate.negotiate(["permessage-deflate; client_max_window_bits=99"]) == nil)
        #expect(PerMessageDeflate.negotiate(["x-webkit-deflate-frame"]) == nil)
        #expect(PerMessageDeflate.negotiate([]) == nil)
        #expect(PerMessageDeflate.applies(path: "/v1/stream?access_token=x", streamPath: "/v1/stream", offers: ["permessage-deflate"]))
        #expect(!PerMessageDeflate.applies(path: "/audiohook/v1", streamPath: "/v1/stream", offers: ["permessage-deflate"]))
    }

    // MARK: the compressed form

    @Test func aSharedFrameIsCompressedOnceAndInflatesToTheSameBytes() throws {
        let json = "{\"type\":\"delta\",\"changes\":[" + (0..<400).map {
            "{\"kind\":\"agents\",\"id\":\"us/\($0)\",\"data\":{\"presence\":\"ON_QUEUE\",\"routingStatus\":\"IDLE\",\"handlingMs\":{\"today\":\($0 * 977)}}}"
        }.joined(separator: ",") + "]}"
        let frame = SharedFrame(ByteBuffer(string: json))
        #expect(!frame.isDeflated)
        let compressed = frame.deflatedBuffer
        #expect(frame.isDeflated)
        #expect(compressed.readableBytes * 4 < json.utf8.count, "\(compressed.readableBytes) of \(json.utf8.count) bytes")
        #expect(compressed.getBytes(at: compressed.writerIndex - 4, length: 4) != [0, 0, 0xff, 0xff], "the sync tail is removed")
        #expect(frame.deflatedBuffer == compressed, "computed once, then shared")
        #expect(compressed.capacity < json.utf8.count / 2,
                "the kept copy holds \(compressed.capacity) bytes of storage for \(compressed.readableBytes) (the compressor's worst-case buffer is not kept)")
        let plain = try MessageDeflater.inflate(compressed, maxSize: 1 << 20)
        #expect(String(buffer: plain) == json)
        // Two messages in a row share no context: each inflates on its own.
        let second = MessageDeflater.deflate(ByteBuffer(string: json))
        #expect(String(buffer: try MessageDeflater.inflate(second, maxSize: 1 << 20)) == json)
    }

    /// The writers' path: many writers asking at once for one large message's compressed form (compressed on the
    /// blocking thread pool) all get the same bytes, computed once; meanwhile a small message of another topic is
    /// compressed without waiting for the large one (several compressors), and the topic's ratio is learned.
    @Test func writersShareOneCompressionOfALargeMessage() async throws {
        let agent = "{\"kind\":\"agents\",\"id\":\"us/%d\",\"data\":{\"presence\":\"ON_QUEUE\",\"handlingMs\":{\"today\":%d}}}"
        let json = "{\"type\":\"snapshot\",\"data\":[" + (0..<12_000).map { String(format: agent, $0, $0 * 977) }
            .joined(separator: ",") + "]}"
        #expect(json.utf8.count >= SharedFrame.offloadBytes, "large enough for the thread pool")
        let ratio = DeflateRatio()
        let big = SharedFrame(ByteBuffer(string: json), ratio: ratio)
        let small = SharedFrame(ByteBuffer(string: String(json.prefix(4_000))))
        let results = await withTaskGroup(of: ByteBuffer.self) { group in
            for _ in 0..<32 { group.addTask { await big.deflated() } }
            group.addTask { await small.deflated() }
            var out: [ByteBuffer] = []
            for await b in group { out.append(b) }
            return out
        }
        let bigOnes = results.filter { $0.readableBytes > 10_000 }
        #expect(bigOnes.count == 32)
        #expect(Set(bigOnes.map { $0.readableBytes }).count == 1 && bigOnes.allSatisfy { $0 == bigOnes[0] })
        #expect(big.isDeflated && small.isDeflated)
        #expect(await big.deflated() == bigOnes[0], "kept and shared afterwards")
        #expect(String(buffer: try MessageDeflater.inflate(bigOnes[0], maxSize: 1 << 24)) == json)
        #expect(bigOnes[0] == MessageDeflater.deflate(ByteBuffer(string: json), level: MessageDeflater.largeLevel),
                "a large message at the fast level")
        #expect(bigOnes[0].readableBytes < MessageDeflater.deflate(ByteBuffer(string: json), level: 0).readableBytes / 3,
                "still well compressed")
        let observed = bigOnes[0].readableBytes * 1000 / json.utf8.count
        #expect(abs(ratio.currentPermille - observed) <= 1, "the ratio seen: \(ratio.currentPermille) vs \(observed)")
    }

    @Test func theStoredFallbackIsAValidPayload() throws {
        let big = String(repeating: "abcdefghij", count: 10_000)  // more than one stored block
        let stored = MessageDeflater.stored(ByteBuffer(string: big))
        #expect(String(buffer: try MessageDeflater.inflate(stored, maxSize: 1 << 20)) == big)
    }

    @Test func inflatingIsBounded() throws {
        let big = MessageDeflater.deflate(ByteBuffer(repeating: 0x61, count: 100_000))
        #expect(throws: MessageDeflater.InflateError.tooLarge) { try MessageDeflater.inflate(big, maxSize: 10_000) }
        #expect(throws: MessageDeflater.InflateError.self) { try MessageDeflater.inflate(ByteBuffer(bytes: [0xff, 0xfe, 0x01]), maxSize: 10_000) }
    }

    // MARK: over the socket

    static func inflate(_ f: RawFrame.Received) throws -> String {
        String(buffer: try MessageDeflater.inflate(ByteBuffer(bytes: f.payload), maxSize: 64 << 20))
    }

    static func deflatedText(_ s: String) -> [UInt8] {
        let payload = MessageDeflater.deflate(ByteBuffer(string: s))
        return RawFrame.encode(rsv: 4, opcode: RawFrame.text, payload: Array(buffer: payload))
    }

    @Test func aClientThatOffersGetsCompressedSnapshotsAndDeltasIdenticalToThePlainOnes() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            h.hub.publish((0..<200).map { HubHarness.agent("us", "a\($0)", padding: 40) })
            h.hub.flush()
            let zipped = try await RawConnection.openStream(port: h.port, token: "t-global", headers: [Self.offer])
            let plain = try await RawConnection.openStream(port: h.port, token: "t-global")
            #expect(zipped.header("Sec-WebSocket-Extensions") == PerMessageDeflate.response)
            #expect(plain.header("Sec-WebSocket-Extensions") == nil, "no offer, no extension")
            // The compressed client compresses its own op too (RSV1), as browsers do.
            try await zipped.send(bytes: Self.deflatedText(#"{"op":"subscribe","topic":"global"}"#))
            try await plain.send(bytes: RawFrame.text(#"{"op":"subscribe","topic":"global"}"#))
            let zSnap = try #require(try await zipped.frame(RawFrame.text))
            let pSnap = try #require(try await plain.frame(RawFrame.text))
            #expect(zSnap.rsv1 && !pSnap.rsv1)
            #expect(try Self.inflate(zSnap) == pSnap.text)
            #expect(zSnap.payload.count * 3 < pSnap.payload.count, "\(zSnap.payload.count) vs \(pSnap.payload.count) bytes")

            h.hub.publish((0..<100).map { HubHarness.agent("us", "a\($0)", "OFF_QUEUE", padding: 40) })
            h.hub.flush()
            #expect(try await eventually { zipped.frames.filter { $0.opcode == RawFrame.text }.count == 2
                                           && plain.frames.filter { $0.opcode == RawFrame.text }.count == 2 })
            let zDelta = zipped.frames.filter { $0.opcode == RawFrame.text }[1]
            let pDelta = plain.frames.filter { $0.opcode == RawFrame.text }[1]
            #expect(zDelta.rsv1)
            #expect(try Self.inflate(zDelta) == pDelta.text)
            #expect(pDelta.text.hasPrefix(#"{"type":"delta""#))

            // Control frames stay uncompressed (a message may be sent either way): a ping's pong.
            try await zipped.send(bytes: RawFrame.text(#"{"op":"ping","id":3}"#))
            #expect(try await eventually { zipped.frames.contains { $0.text == #"{"type":"pong","id":3}"# && !$0.rsv1 } })
            await zipped.close()
            await plain.close()
        }
    }

    @Test func switchedOffTheOfferIsDeclined() async throws {
        try await HubHarness.run(server: HubHarness.config { $0.perMessageDeflate = false }, auth: Self.auth) { h in
            let c = try await RawConnection.openStream(port: h.port, token: "t-global", headers: [Self.offer])
            #expect(c.header("Sec-WebSocket-Extensions") == nil)
            // Without the extension RSV1 is a protocol error, as before.
            try await c.send(bytes: Self.deflatedText(#"{"op":"ping","id":1}"#))
            #expect(try await c.closeFrame()?.closeCode == 1002)
            await c.close()
        }
    }

    @Test func whatCannotBeInflatedFailsTheConnection() async throws {
        try await HubHarness.run(server: HubHarness.config { $0.maxInboundFrameBytes = 1024 }, auth: Self.auth) { h in
            let garbage = try await RawConnection.openStream(port: h.port, token: "t-global", headers: [Self.offer])
            try await garbage.send(bytes: RawFrame.encode(rsv: 4, opcode: RawFrame.text, payload: [0xff, 0xfe, 0xfd, 0x00, 0x13]))
            #expect(try await garbage.closeFrame()?.closeCode == 1007)
            #expect(try await garbage.waitClosed())

            let bomb = try await RawConnection.openStream(port: h.port, token: "t-global", headers: [Self.offer])
            let payload = MessageDeflater.deflate(ByteBuffer(repeating: 0x20, count: 200_000))  // ≈ 200 bytes in, 200 kB out
            try await bomb.send(bytes: RawFrame.encode(rsv: 4, opcode: RawFrame.text, payload: Array(buffer: payload)))
            #expect(try await bomb.closeFrame()?.closeCode == 1009)

            let control = try await RawConnection.openStream(port: h.port, token: "t-global", headers: [Self.offer])
            try await control.send(bytes: RawFrame.encode(rsv: 4, opcode: RawFrame.ping, payload: [1]))
            #expect(try await control.closeFrame()?.closeCode == 1002)

            // A compressed message in two fragments is assembled and served.
            let split = try await RawConnection.openStream(port: h.port, token: "t-global", headers: [Self.offer])
            let whole = Array(buffer: MessageDeflater.deflate(ByteBuffer(string: #"{"op":"ping","id":9}"#)))
            let cut = whole.count / 2
            try await split.send(bytes: RawFrame.encode(fin: false, rsv: 4, opcode: RawFrame.text, payload: Array(whole[..<cut]))
                                 + RawFrame.encode(opcode: RawFrame.continuation, payload: Array(whole[cut...])))
            #expect(try await eventually { split.frames.contains { $0.text == #"{"type":"pong","id":9}"# } })
            for c in [garbage, bomb, control, split] { await c.close() }
        }
    }

    /// hummingbird-websocket's client with its permessage-deflate extension (which compresses everything it
    /// sends and inflates what it gets, resetting per message as the answer asks) is served normally.
    @Test func aLibraryClientWithTheExtensionIsServed() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            h.hub.publish((0..<300).map { HubHarness.agent("us", "a\($0)", padding: 100) })
            h.hub.flush()
            let probe = WSProbe(deflate: true)
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await probe.run(port: h.port, token: "t-global") }
                probe.send(#"{"op":"subscribe","topic":"global"}"#)
                let snap = try await probe.next(type: "snapshot")
                let agents = try #require((snap["data"] as? [String: Any])?["agents"] as? [[String: Any]])
                #expect(agents.count == 300)
                for round in 0..<3 {
                    h.hub.publish((0..<50).map { HubHarness.agent("us", "a\($0)", "P\(round)", padding: 100) })
                    h.hub.flush()
                    let delta = try await probe.next(type: "delta")
                    let changes = try #require(delta["changes"] as? [[String: Any]])
                    #expect(changes.count == 50)
                    #expect(changes.allSatisfy { ($0["data"] as? [String: Any])?["presence"] as? String == "P\(round)" })
                }
                probe.send(#"{"op":"ping","id":5}"#)
                _ = try await probe.next { $0["type"] as? String == "pong" }
                probe.stop()
                tg.cancelAll()
            }
        }
    }
}
