import Foundation
import FuzzDriver
import OpusCodec
import SwitchboardCore
import AudioConnector

// The seed Audio Connector (docs/audio.md): text messages, binary frame headers, the Opus fragment
// reassembler and the Opus decoder behind it. The input is a run of records — a 2-byte big-endian
// length and that many bytes; a record's first byte picks what it is (a text message, a binary frame,
// the clock moving on, a discovery answer, an interaction ending). Nothing traps, every refusal is typed, and the
// reassembler stays inside its caps whatever arrives.
var config = OpusReassembler.Configuration()
config.maxBytesPerInteraction = 4096
config.maxBytesPerConnection = 8192
config.maxInteractions = 4
config.maxPacketBytes = 2048
config.maxFragmentsPerPacket = 16
config.endedMemory = 4
let configuration = config
let decoder = try! OpusDecoder(sampleRate: 16000, channels: 2)
let start = ContinuousClock.now

runFuzzer { input in
    var reassembler = OpusReassembler(configuration: configuration)
    var now = start
    var lastInteraction: UUID?
    var pcm: [Int16] = []
    var at = 0
    while at + 2 <= input.count {
        let length = Int(input[at]) << 8 | Int(input[at + 1])
        at += 2
        let record = Array(input[at..<min(at + length, input.count)])
        at += record.count
        guard let kind = record.first else { continue }
        let body = Array(record.dropFirst())
        var actions: [OpusReassembler.Action] = []
        switch kind % 5 {
        case 0:
            do throws(SeedMessageError) {
                let message = try SeedMessage.decode(body)
                // Every decoded message encodes, and decodes again to itself.
                do throws(SeedMessageError) {
                    let again = try SeedMessage.decode(message.json)
                    if again != message { fuzzFailure("round trip differs: \(message) vs \(again)") }
                } catch {
                    fuzzFailure("\(message) encodes to \(message.json), which does not decode: \(error)")
                }
            } catch {
                if error.code.isEmpty { fuzzFailure("an error without a code") }
            }
        case 1:
            do throws(SeedAudioError) {
                let frame = try SeedAudioFrame.decode(body)
                lastInteraction = frame.interaction
                actions = reassembler.receive(frame, now: now)
            } catch {
                if !error.code.hasPrefix("seed-audio.") { fuzzFailure("untyped code \(error.code)") }
            }
        case 2:
            now += .milliseconds(Int(body.first ?? 0) * (body.count > 1 ? 100 : 4))
            actions = reassembler.tick(now: now)
        case 3:
            // The discovery answer (GET /api/v2/audioconnector/connections).
            do throws(SeedMessageError) { _ = try SeedDiscovery.decode(body) } catch {
                if error.code.isEmpty { fuzzFailure("an error without a code") }
            }
        default:
            if let id = lastInteraction { actions = reassembler.interactionEnded(id, now: now) }
        }
        for action in actions {
            if case .packet(_, _, let bytes) = action {
                if bytes.count > configuration.maxPacketBytes { fuzzFailure("a packet over the cap: \(bytes.count)") }
                if (try? OpusPacket.samples(bytes, sampleRate: 16000)) != nil {
                    _ = try? decoder.decode(bytes, into: &pcm)
                }
            }
        }
        if reassembler.bufferedBytes > configuration.maxBytesPerConnection || reassembler.bufferedBytes < 0 {
            fuzzFailure("buffered \(reassembler.bufferedBytes) bytes, cap \(configuration.maxBytesPerConnection)")
        }
        if reassembler.interactionCount > configuration.maxInteractions {
            fuzzFailure("\(reassembler.interactionCount) interactions, cap \(configuration.maxInteractions)")
        }
        if let id = lastInteraction, reassembler.bufferedBytes(for: id) > configuration.maxBytesPerInteraction {
            fuzzFailure("an interaction holds \(reassembler.bufferedBytes(for: id)) bytes")
        }
        if pcm.count > 2 * OpusCodec.maxPacketSamples(sampleRate: 16000) { fuzzFailure("decoded \(pcm.count) samples") }
    }
    decoder.reset()
}
