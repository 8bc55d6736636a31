@testable import AudioConnector
import Foundation
import OpusCodec
import Testing

/// Random bytes and random fragment sequences through the whole receive path: header decoding, the
/// reassembler and the Opus decoder. Nothing may crash, every failure is a typed error, and the
/// reassembler never holds more than its caps.
@Suite struct SeedAudioFuzzTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomInputNeverCrashesAndStaysBounded(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        var config = OpusReassembler.Configuration()
        config.maxBytesPerInteraction = 1024
        config.maxBytesPerConnection = 1536
        config.maxInteractions = 8
        config.maxPacketBytes = 2 * 1024
        config.endedMemory = 4
        var reassembler = OpusReassembler(configuration: config)

        // Real packets to mix in, so the decoder sees valid, truncated and spliced Opus too.
        let encoder = try OpusEncoder(sampleRate: 16000, channels: 2)
        let pcm = OpusTestSignals.speechLike(sampleRate: 16000, seconds: 0.5)
        let real = try (0..<20).map { try encoder.encode(pcm[($0 * 640)..<(($0 + 1) * 640)], frameSamples: 320) }
        let pool = (0..<5).map { _ in UUID() }
        var cursor = [UUID: UInt32]()
        var decoders = [UUID: OpusDecoder]()
        let spare = try OpusDecoder(sampleRate: 16000, channels: 2)
        var buffer: [Int16] = []
        var now = ContinuousClock.now
        var frames = 0, headerErrors = 0, opusErrors = 0, decoded = 0

        func message() -> [UInt8] {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: return rng.bytes(Int.random(in: 0..<40, using: &rng))  // noise
            case 1:  // a header with a random version
                var bytes = rng.bytes(24 + Int.random(in: 0..<20, using: &rng))
                bytes[0] = UInt8.random(in: 0...3, using: &rng)
                return bytes
            default:
                let id = Int.random(in: 0..<10, using: &rng) == 0 ? UUID() : pool.randomElement(using: &rng)!
                var seq = cursor[id, default: 0]
                switch Int.random(in: 0..<20, using: &rng) {
                case 0: seq = UInt32.random(in: 0...UInt32.max, using: &rng)
                case 1: seq &-= UInt32.random(in: 0...40, using: &rng)
                case 2...4: seq &+= UInt32.random(in: 0...40, using: &rng)
                default: break
                }
                cursor[id] = seq &+ (Bool.random(using: &rng) ? 1 : 0)
                var payload = Bool.random(using: &rng) ? real.randomElement(using: &rng)! : rng.bytes(Int.random(in: 0..<300, using: &rng))
                if Int.random(in: 0..<4, using: &rng) == 0 { payload = Array(payload.prefix(Int.random(in: 0...payload.count, using: &rng))) }
                let frame = SeedAudioFrame(isLast: Int.random(in: 0..<3, using: &rng) > 0,
                                           fragmentIndex: UInt16(Int.random(in: 0..<5, using: &rng) == 0 ? Int.random(in: 0...65535, using: &rng) : Int.random(in: 0..<3, using: &rng)),
                                           interaction: id, sequence: seq, payload: payload[...])
                return frame.encoded()
            }
        }

        func handle(_ actions: [OpusReassembler.Action]) {
            for action in actions {
                let id: UUID
                switch action {
                case .packet(let i, _, _), .lost(let i, _), .skipped(let i, _, _), .purged(let i): id = i
                }
                let decoder = pool.contains(id) ? (decoders[id] ?? { let d = try! OpusDecoder(sampleRate: 16000, channels: 2); decoders[id] = d; return d }()) : spare
                do {
                    switch action {
                    case .packet(_, _, let bytes):
                        _ = try OpusPacket.samples(bytes, sampleRate: 16000)
                        _ = try decoder.decode(bytes, into: &buffer)
                        decoded += 1
                    case .lost: _ = try decoder.decodeLoss(samples: decoder.lastPacketSamples, into: &buffer)
                    case .skipped, .purged: decoder.reset()
                    }
                } catch is OpusError {
                    opusErrors += 1
                } catch {
                    Issue.record("untyped error \(error)")
                }
            }
        }

        for _ in 0..<3000 {
            now += .milliseconds(Int.random(in: 0...60, using: &rng))
            let bytes = message()
            do {
                let frame = try SeedAudioFrame.decode(bytes)
                frames += 1
                handle(reassembler.receive(frame, now: now))
            } catch {
                let typed: SeedAudioError = error  // SeedAudioFrame.decode throws only its typed error
                headerErrors += 1
                #expect(typed.code.hasPrefix("seed-audio."))
            }
            switch Int.random(in: 0..<50, using: &rng) {
            case 0: handle(reassembler.interactionEnded(pool.randomElement(using: &rng)!, now: now))
            case 1...5: handle(reassembler.tick(now: now))
            case 6: handle(reassembler.tick(now: now + .seconds(61)))
            default: break
            }
            // Raw noise straight into a decoder, too.
            do { _ = try spare.decode(rng.bytes(Int.random(in: 1..<64, using: &rng)), into: &buffer) } catch is OpusError {} catch {
                Issue.record("untyped error \(error)")
            }
            #expect(reassembler.bufferedBytes <= config.maxBytesPerConnection)
            #expect(reassembler.bufferedBytes >= 0)
            for id in pool { #expect(reassembler.bufferedBytes(for: id) <= config.maxBytesPerInteraction) }
            #expect(reassembler.interactionCount <= config.maxInteractions)
            #expect(buffer.count <= 2 * OpusCodec.maxPacketSamples(sampleRate: 16000))
        }
        // The run reached the interesting places.
        #expect(frames > 1000 && headerErrors > 100 && decoded > 50 && opusErrors > 0)
        let c = reassembler.counters
        #expect(c.duplicateFragments > 0 && c.lateFragments > 0 && c.lostPackets > 0 && c.fragmentIndexTooLarge > 0)
        #expect(c.inconsistentPackets > 0 && c.interactionsEvicted > 0)
        #expect(c.interactionCapDiscards > 0 && c.connectionCapDiscards > 0, "the caps were reached")
        _ = reassembler.tick(now: now + .seconds(120))
        #expect(reassembler.bufferedBytes == 0 && reassembler.interactionCount == 0)
    }
}
