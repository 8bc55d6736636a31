@testable import AudioConnector
import Foundation
import OpusCodec
import Testing

/// Encode → fragment → shuffle → reassemble → decode, as the simulator and the bridge will do it.
@Suite struct OpusRoundTripTests {
    static let interaction = UUID(uuidString: "6f1a2b3c-4d5e-4f60-8172-8394a5b6c7d8")!
    static let rate = 16000

    /// Packets of mixed durations (2.5…120 ms, seeded) covering `pcm`, encoded in one stream.
    static func encodeMixed(_ pcm: [Int16], rng: inout SeededRandom) throws -> [(packet: [UInt8], samples: Int)] {
        let encoder = try OpusEncoder(sampleRate: rate, channels: 2)
        try encoder.setBitrate(64000)
        let unit = rate / 400
        let choices = [1, 2, 4, 8, 16, 24, 32, 40, 48]  // in 2.5 ms units
        var packets: [(packet: [UInt8], samples: Int)] = []
        var offset = 0
        let total = pcm.count / 2
        while offset < total {
            let fitting = choices.filter { offset + $0 * unit <= total }
            let samples = fitting.randomElement(using: &rng)! * unit
            packets.append((try encoder.encode(pcm[(offset * 2)..<((offset + samples) * 2)], frameSamples: samples), samples))
            offset += samples
        }
        return packets
    }

    /// The packets as binary messages, fragmented, then shuffled in blocks of `block` packets.
    static func messages(_ packets: [[UInt8]], block: Int, rng: inout SeededRandom) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        for start in stride(from: 0, to: packets.count, by: block) {
            var chunk: [[UInt8]] = []
            for seq in start..<min(packets.count, start + block) {
                let maxPayload = Int.random(in: 8...80, using: &rng)
                chunk += try SeedAudioFrame.fragments(of: packets[seq], interaction: interaction, sequence: UInt32(seq),
                                                      maxPayload: maxPayload).map { $0.encoded() }
            }
            chunk.shuffle(using: &rng)
            out += chunk
        }
        return out
    }

    @Test func mixedDurationStreamSurvivesFragmentsAndReordering() throws {
        var rng = SeededRandom(seed: 16)
        let pcm = OpusTestSignals.speechLike(sampleRate: Self.rate, seconds: 3)
        let encoded = try Self.encodeMixed(pcm, rng: &rng)
        #expect(Set(encoded.map(\.samples)).count >= 6, "the stream mixes durations")
        let messages = try Self.messages(encoded.map(\.packet), block: 6, rng: &rng)
        #expect(messages.count > encoded.count)

        var reassembler = OpusReassembler()
        let t0 = ContinuousClock.now
        var actions: [OpusReassembler.Action] = []
        for (i, message) in messages.enumerated() {
            actions += reassembler.receive(try SeedAudioFrame.decode(message), now: t0 + .milliseconds(i))
            #expect(reassembler.bufferedBytes <= reassembler.configuration.maxBytesPerConnection)
        }
        actions += reassembler.interactionEnded(Self.interaction, now: t0 + .milliseconds(messages.count))
        #expect(reassembler.counters.lostPackets == 0 && reassembler.counters.duplicateFragments == 0)
        #expect(actions.count == encoded.count)

        let decoder = try OpusDecoder(sampleRate: Self.rate, channels: 2)
        var decoded: [Int16] = []
        var buffer: [Int16] = []
        for (seq, action) in actions.enumerated() {
            guard case .packet(let id, let sequence, let bytes) = action else {
                Issue.record("expected a packet, got \(action)")
                continue
            }
            #expect(id == Self.interaction && sequence == UInt32(seq))
            #expect(bytes == encoded[seq].packet)
            #expect(try OpusPacket.samples(bytes, sampleRate: Self.rate) == encoded[seq].samples)
            #expect(try decoder.decode(bytes, into: &buffer) == encoded[seq].samples)
            decoded += buffer
        }
        #expect(decoded.count == pcm.count)
        // Levels match per channel (skip the codec's start-up), and the channels stay apart.
        let skip = 2 * Self.rate / 10
        for channel in 0..<2 {
            let input = OpusTestSignals.level(pcm[skip...], channel: channel)
            let output = OpusTestSignals.level(decoded[skip...], channel: channel)
            #expect(abs(input - output) < 1.5, "channel \(channel): in \(input) dBFS, out \(output) dBFS")
        }
        let inputGap = OpusTestSignals.level(pcm[skip...], channel: 0) - OpusTestSignals.level(pcm[skip...], channel: 1)
        let outputGap = OpusTestSignals.level(decoded[skip...], channel: 0) - OpusTestSignals.level(decoded[skip...], channel: 1)
        #expect(abs(inputGap - outputGap) < 1.5)
    }

    @Test func aMissingFragmentIsConcealedForTheLostDuration() throws {
        var rng = SeededRandom(seed: 7)
        let pcm = OpusTestSignals.speechLike(sampleRate: Self.rate, seconds: 0.2)
        let encoder = try OpusEncoder(sampleRate: Self.rate, channels: 2)
        let packets = try (0..<5).map { try encoder.encode(pcm[($0 * 1280)..<(($0 + 1) * 1280)], frameSamples: 640) }  // 40 ms each
        var messages = try Self.messages(packets, block: 1, rng: &rng)
        // Drop one fragment of packet 2 (cut in several).
        #expect(messages.filter { (try? SeedAudioFrame.decode($0).sequence) == 2 }.count >= 2)
        let victim = try #require(messages.firstIndex { (try? SeedAudioFrame.decode($0).sequence) == 2 })
        messages.remove(at: victim)

        var reassembler = OpusReassembler()
        let t0 = ContinuousClock.now
        var actions: [OpusReassembler.Action] = []
        for message in messages { actions += reassembler.receive(try SeedAudioFrame.decode(message), now: t0) }
        #expect(actions.count == 2)  // packets 0 and 1; 3 and 4 wait behind the incomplete 2
        actions += reassembler.tick(now: try #require(reassembler.nextDeadline))
        #expect(actions.map(\.sequence) == [0, 1, 2, 3, 4])
        #expect(actions[2] == .lost(interaction: Self.interaction, sequence: 2))
        #expect(reassembler.counters.timedOutPackets == 1)

        let decoder = try OpusDecoder(sampleRate: Self.rate, channels: 2)
        var buffer: [Int16] = []
        var total = 0
        for action in actions {
            switch action {
            case .packet(_, _, let bytes): total += try decoder.decode(bytes, into: &buffer)
            case .lost:
                #expect(try decoder.decodeLoss(samples: decoder.lastPacketSamples, into: &buffer) == 640)
                #expect(buffer.count == 1280)
                total += 640
            default: Issue.record("unexpected \(action)")
            }
        }
        #expect(total == 5 * 640)
    }
}
