import Audio
import Synchronization
import SwitchboardCore
import Testing

/// ``SpeechAudioTapFeed``: interleaved samples in, contiguous per-channel chunks out, each at the stream time of its
/// first sample; jumps and gaps flush first; the end is told once.
struct SpeechAudioTapFeedTests {
    final class Tap: SpeechAudioTap {
        struct Chunk: Equatable {
            var channel: SpeechChannel
            var samples: [Int16]
            var offsetMs: Int64
        }
        private let box = Mutex<(chunks: [Chunk], ends: Int)>(([], 0))
        func listens(to org: OrgID) -> Bool { true }
        func offer(org: OrgID, conversationID: String, channel: SpeechChannel, sampleRate: Int, samples: [Int16],
                   offsetMs: Int64) {
            box.withLock { $0.chunks.append(Chunk(channel: channel, samples: samples, offsetMs: offsetMs)) }
        }
        func end(org: OrgID, conversationID: String) { box.withLock { $0.ends += 1 } }
        var chunks: [Chunk] { box.withLock { $0.chunks } }
        var ends: Int { box.withLock { $0.ends } }
    }

    /// `frames` stereo frames whose customer sample is `base + i` and agent sample `-(base + i)`.
    static func interleaved(_ frames: Int, base: Int) -> [Int16] {
        (0..<frames).flatMap { [Int16(base + $0), Int16(-(base + $0))] }
    }

    @Test func samplesAreGatheredIntoChunksPerChannel() {
        let tap = Tap()
        var feed = SpeechAudioTapFeed(tap: tap, org: "us", conversationID: "c", channels: [.customer, .agent],
                                      sampleRate: 8000)
        for k in 0..<5 { feed.append(interleaved: Self.interleaved(160, base: k * 160)) }  // 5 × 20 ms
        // 100 ms gathered: one chunk per channel, offset 0.
        #expect(tap.chunks.count == 2)
        #expect(tap.chunks[0] == .init(channel: .customer, samples: (0..<800).map { Int16($0) }, offsetMs: 0))
        #expect(tap.chunks[1] == .init(channel: .agent, samples: (0..<800).map { Int16(-$0) }, offsetMs: 0))
        feed.append(interleaved: Self.interleaved(80, base: 800))  // 10 ms more, buffered
        #expect(tap.chunks.count == 2)
        feed.end()
        feed.end()
        #expect(tap.chunks.count == 4)
        #expect(tap.chunks[2].offsetMs == 100 && tap.chunks[2].samples.count == 80)
        #expect(tap.ends == 1)
        feed.append(interleaved: Self.interleaved(800, base: 0))  // after the end: nothing
        #expect(tap.chunks.count == 4)
    }

    @Test func aJumpInStreamTimeFlushesAndIsFollowed() {
        let tap = Tap()
        var feed = SpeechAudioTapFeed(tap: tap, org: "us", conversationID: "c", channels: [.agent, .customer],
                                      sampleRate: 8000, chunk: .milliseconds(200))
        feed.append(interleaved: Self.interleaved(400, base: 0), atNs: 0)                  // 0–50 ms
        feed.append(interleaved: Self.interleaved(400, base: 400), atNs: 50_000_000)       // contiguous
        feed.append(interleaved: Self.interleaved(400, base: 800), atNs: 2_600_000_000)    // a 2.5 s hold
        feed.gap(ns: 1_000_000_000)                                                         // a pause of 1 s
        feed.append(interleaved: Self.interleaved(1600, base: 0))                          // right after: 200 ms
        let agent = tap.chunks.filter { $0.channel == .agent }
        #expect(agent.map(\.offsetMs) == [0, 2600, 3650])
        #expect(agent.map(\.samples.count) == [800, 400, 1600])
        // The first channel of the interleaving is the agent here.
        #expect(agent[0].samples.prefix(3) == [0, 1, 2])
        #expect(tap.chunks.filter { $0.channel == .customer }.map(\.offsetMs) == [0, 2600, 3650])
        // A small drift (under 1 ms) is not a jump.
        feed.append(interleaved: Self.interleaved(800, base: 0), atNs: 3_850_400_000)
        feed.flush()
        #expect(tap.chunks.filter { $0.channel == .agent }.map(\.offsetMs) == [0, 2600, 3650, 3850])
    }
}
