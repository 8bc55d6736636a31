import AudioConnector
import Foundation
import OpusCodec
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The seed Audio Connector client's tap (on-box keyword spotting's input) over real sockets: every packet decoded is
/// offered per channel, gathered into chunks placed on the interaction's stream time — a hold is a jump forward, not
/// closed up — and the interaction's end is told once; an org the tap does not listen to offers nothing.
@Suite(.timeLimit(.minutes(2))) struct SeedAudioTapTests {
    final class Tap: SpeechAudioTap {
        struct Chunk: Sendable {
            var conversationID: String
            var channel: SpeechChannel
            var sampleRate: Int
            var samples: [Int16]
            var offsetMs: Int64
        }
        let listening: Bool
        private let box = Mutex<(chunks: [Chunk], ends: [String])>(([], []))
        init(listening: Bool) { self.listening = listening }
        func listens(to org: OrgID) -> Bool { listening && org == "us" }
        func offer(org: OrgID, conversationID: String, channel: SpeechChannel, sampleRate: Int, samples: [Int16],
                   offsetMs: Int64) {
            box.withLock { $0.chunks.append(Chunk(conversationID: conversationID, channel: channel,
                                                   sampleRate: sampleRate, samples: samples, offsetMs: offsetMs)) }
        }
        func end(org: OrgID, conversationID: String) { box.withLock { $0.ends.append(conversationID) } }
        var chunks: [Chunk] { box.withLock { $0.chunks } }
        var ends: [String] { box.withLock { $0.ends } }
    }

    static func run(tap: Tap, pauseAfterPacket: Int?) async throws -> [[UInt8]] {
        let packets = try SeedAudioConnectorLoopbackTests.callPackets()
        let server = FakeAudioConnectorServer(packets: packets, interaction: SeedAudioConnectorLoopbackTests.interaction,
                                              rejectFirstConnection: false, pauseAfterPacket: pauseAfterPacket)
        let serverTask = Task { try await server.application().runService() }
        defer { serverTask.cancel() }
        let port = try await server.waitForPort()
        let sink = CollectingSink()
        var configuration = SeedAudioConnector.Configuration()
        configuration.interactions.metadataGrace = .milliseconds(200)
        let org = OrgConfig(id: "us", name: "US", apiBase: "http://127.0.0.1:1", loginBase: "http://127.0.0.1:1",
                            clientId: "c", clientSecret: Secret("s"), timezone: TimeZone(identifier: "UTC")!,
                            upstreamProtocol: .seed,
                            seedAudio: SeedAudioConfig(sampleRate: SeedAudioConnectorLoopbackTests.rate))
        let connector = SeedAudioConnector(
            org: org, transport: SeedAudioTransport(discover: { server.discover(port: port) }, lookup: { _ in nil }),
            sink: sink, tap: tap, clock: ManualClock(1_790_000_000_000), configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await connector.run() }
            try await sink.wait { $0.contains { if case .ended = $0 { true } else { false } } }
            group.cancelAll()
        }
        return packets
    }

    @Test func decodedAudioIsOfferedOnStreamTimeAcrossAHold() async throws {
        let tap = Tap(listening: true)
        let packets = try await Self.run(tap: tap, pauseAfterPacket: 49)  // a hold after the first second
        let id = SeedAudioConnectorLoopbackTests.interaction.uuidString.lowercased()
        #expect(tap.ends == [id])
        // What the tap got is exactly what a fresh decoder makes of the packets, channel by channel.
        let decoder = try OpusDecoder(sampleRate: SeedAudioConnectorLoopbackTests.rate, channels: 2)
        var pcm: [Int16] = [], all: [Int16] = []
        for packet in packets {
            try decoder.decode(packet, into: &pcm)
            all += pcm
        }
        for (lane, channel) in [(0, SpeechChannel.customer), (1, .agent)] {
            let chunks = tap.chunks.filter { $0.channel == channel }
            #expect(chunks.allSatisfy { $0.conversationID == id && $0.sampleRate == 16000 })
            let expected = stride(from: lane, to: all.count, by: 2).map { all[$0] }
            #expect(chunks.flatMap(\.samples) == expected, "\(channel): the decoded samples, in order")
            // Gathered into chunks of about 100 ms, contiguous except for one jump: the hold (1.5 s of quiet).
            #expect(chunks.dropLast().allSatisfy { $0.samples.count >= 1600 }, "\(chunks.map(\.samples.count))")
            var jumps: [Int64] = []
            for (a, b) in zip(chunks, chunks.dropFirst()) {
                let end = a.offsetMs + Int64(a.samples.count) * 1000 / 16000
                if b.offsetMs != end { jumps.append(b.offsetMs - end) }
            }
            #expect(chunks.first?.offsetMs == 0)
            #expect(jumps.count == 1, "\(jumps)")
            #expect((1000...4000).contains(jumps.first ?? 0), "the hold moves stream time on: \(jumps)")
            // The jump lies after the first second of audio.
            let before = chunks.prefix { $0.offsetMs < 1000 }
            #expect(before.reduce(0) { $0 + $1.samples.count } == 16000)
        }
    }

    @Test func anOrgTheTapDoesNotListenToOffersNothing() async throws {
        let tap = Tap(listening: false)
        _ = try await Self.run(tap: tap, pauseAfterPacket: nil)
        #expect(tap.chunks.isEmpty)
        #expect(tap.ends.isEmpty)
    }
}
