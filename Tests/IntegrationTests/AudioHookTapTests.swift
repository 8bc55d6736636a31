import Audio
import Foundation
import Synchronization
import SwitchboardCore
import Testing

/// Records what the audio paths offer a ``SpeechAudioTap``: the chunks per conversation and channel, the ends.
final class RecordingAudioTap: SpeechAudioTap {
    struct Chunk: Sendable, Equatable {
        var org: OrgID
        var conversationID: String
        var channel: SpeechChannel
        var sampleRate: Int
        var samples: [Int16]
        var offsetMs: Int64
    }

    let orgs: Set<OrgID>
    private let box = Mutex<(chunks: [Chunk], ends: [String], asked: [OrgID])>(([], [], []))

    init(listensTo orgs: Set<OrgID>) { self.orgs = orgs }

    func listens(to org: OrgID) -> Bool {
        box.withLock { $0.asked.append(org) }
        return orgs.contains(org)
    }

    func offer(org: OrgID, conversationID: String, channel: SpeechChannel, sampleRate: Int, samples: [Int16],
               offsetMs: Int64) {
        box.withLock { $0.chunks.append(Chunk(org: org, conversationID: conversationID, channel: channel,
                                               sampleRate: sampleRate, samples: samples, offsetMs: offsetMs)) }
    }

    func end(org: OrgID, conversationID: String) { box.withLock { $0.ends.append(conversationID) } }

    var chunks: [Chunk] { box.withLock { $0.chunks } }
    var ends: [String] { box.withLock { $0.ends } }
    var asked: [OrgID] { box.withLock { $0.asked } }
    func chunks(_ conversation: String, _ channel: SpeechChannel) -> [Chunk] {
        chunks.filter { $0.conversationID == conversation && $0.channel == channel }
    }
}

/// The AudioHook session's tap (on-box keyword spotting's input) over real sockets: each frame decoded per channel and
/// offered at its stream position — a pause with discarded audio is a jump — the end told once, and nothing at all
/// for an org the tap does not listen to.
@Suite("AudioHook session tap", .serialized)
struct AudioHookTapTests {
    /// A recognisable ramp per channel (customer even, agent odd values, both through μ-law).
    static func frame(_ index: Int) -> [UInt8] {
        var out: [UInt8] = []
        for i in 0..<1600 {
            out.append(PCMU.encode(Int16((index * 1600 + i) % 4000 * 4)))
            out.append(PCMU.encode(Int16(-((index * 1600 + i) % 3000) * 4)))
        }
        return out
    }

    @Test func aSessionOffersWhatItDecodesAtItsStreamPositionsAcrossAPause() async throws {
        let tap = RecordingAudioTap(listensTo: ["us"])
        let conversation = UUID().uuidString.lowercased()
        try await AudioHookHarness.run(tap: tap) { h in
            let session = UUID().uuidString.lowercased()
            try await AudioHookScript.connect(port: h.port, sessionId: session, headers: h.headers(sessionId: session)) { s in
                try await s.send(AudioHookListenerTests.open(session, conversation))
                _ = try await s.read()
                for i in 0..<3 { try await s.audio(Self.frame(i)) }          // 0, 200, 400 ms
                try await s.send(.paused)
                let pausedAt = AudioHookDuration(samples: s.position, rate: 8000)
                s.position += 8000 * 5 / 2                                   // 2.5 s discarded
                try await s.send(.resumed(.init(start: pausedAt, discarded: AudioHookDuration(milliseconds: 2_500))))
                for i in 3..<5 { try await s.audio(Self.frame(i)) }          // 3100, 3300 ms
                try await s.send(.close(.init(reason: "end")))
                _ = try await s.read()
            }
            try await h.settled()
        }
        for channel in SpeechChannel.allCases {
            let chunks = tap.chunks(conversation, channel)
            #expect(chunks.map(\.offsetMs) == [0, 200, 400, 3100, 3300], "\(channel)")
            #expect(chunks.allSatisfy { $0.sampleRate == 8000 && $0.samples.count == 1600 && $0.org == "us" })
            // Exactly the decoded samples of each frame's channel, in order.
            for (i, chunk) in chunks.enumerated() {
                let bytes = Self.frame(i)
                let lane = channel == .customer ? 0 : 1
                let expected = stride(from: lane, to: bytes.count, by: 2).map { PCMU.decode(bytes[$0]) }
                #expect(chunk.samples == expected, "\(channel) frame \(i)")
            }
        }
        #expect(tap.ends == [conversation])
    }

    @Test func anOrgTheTapDoesNotListenToIsNeitherDecodedNorOffered() async throws {
        let tap = RecordingAudioTap(listensTo: ["emea"])
        try await AudioHookHarness.run(tap: tap) { h in
            let session = UUID().uuidString.lowercased()
            try await AudioHookScript.connect(port: h.port, sessionId: session, headers: h.headers(sessionId: session)) { s in
                try await s.send(AudioHookListenerTests.open(session, UUID().uuidString.lowercased()))
                _ = try await s.read()
                for i in 0..<3 { try await s.audio(Self.frame(i)) }
                try await s.send(.close(.init(reason: "end")))
                _ = try await s.read()
            }
            try await h.settled()
        }
        #expect(tap.asked == ["us"])  // asked once, at open
        #expect(tap.chunks.isEmpty)
        #expect(tap.ends.isEmpty)
    }

    @Test func aSocketDroppedMidCallStillEndsTheTapsInteraction() async throws {
        let tap = RecordingAudioTap(listensTo: ["us"])
        try await AudioHookHarness.run(tap: tap) { h in
            let session = UUID().uuidString.lowercased()
            try await AudioHookScript.connect(port: h.port, sessionId: session, headers: h.headers(sessionId: session)) { s in
                try await s.send(AudioHookListenerTests.open(session, UUID().uuidString.lowercased()))
                _ = try await s.read()
                for i in 0..<2 { try await s.audio(Self.frame(i)) }
                // returns without close: the socket drops
            }
            try await h.settled()
        }
        #expect(tap.chunks.count == 4)
        #expect(tap.ends.count == 1)
    }
}
