import Audio
import Foundation
import SwitchboardCore

/// The audio the `audio` scenario streams: 30 s of a stereo PCMU call at 8 kHz (external = customer,
/// internal = agent), looped. Turns alternate with short overtalks and silences; inside a turn, words
/// are 250 ms tones with a 4 Hz-ish rhythm and 120 ms pauses, at about −20 dBFS, over a −60 dBFS noise
/// floor — the kind of input docs/audio.md measures the analyzer on.
enum SyntheticCall {
    static let rate = 8000
    static let seconds = 30
    /// 200 ms of stereo PCMU: 1,600 samples × 2 channels.
    static let frameBytes = 3200
    static let frameMs: Int64 = 200

    /// Talk turns (start, end) in seconds per channel.
    static let customerTurns: [(Double, Double)] = [(0.5, 5), (9, 13.5), (17.2, 21), (26, 29)]
    static let agentTurns: [(Double, Double)] = [(4.6, 8.2), (13.2, 16.8), (20.6, 25), (28.8, 29.8)]

    /// The whole loop, interleaved (customer, agent).
    static let bytes: [UInt8] = {
        var out = [UInt8]()
        out.reserveCapacity(seconds * rate * 2)
        var noise: UInt64 = 0x9E37_79B9_7F4A_7C15
        func nextNoise() -> Double {
            noise = noise &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(Int64(bitPattern: noise >> 11) % 2001 - 1000) / 1000  // −1…1
        }
        for i in 0..<(seconds * rate) {
            let t = Double(i) / Double(rate)
            for (c, turns) in [customerTurns, agentTurns].enumerated() {
                let inTurn = turns.contains { t >= $0.0 && t < $0.1 }
                // Words: 250 ms on, 120 ms off inside a turn.
                let word = inTurn && (t.truncatingRemainder(dividingBy: 0.37)) < 0.25
                let f = c == 0 ? 210.0 : 140.0
                var v = 32 * nextNoise()  // ≈ −60 dBFS
                if word { v += 3300 * (sin(2 * .pi * f * t) + 0.5 * sin(2 * .pi * 3 * f * t)) }
                out.append(PCMU.encode(Int16(max(-32000, min(32000, v.rounded())))))
            }
        }
        return out
    }()

    /// The loop cut into 200 ms frames.
    static let frames: [[UInt8]] = stride(from: 0, to: bytes.count, by: frameBytes).map {
        Array(bytes[$0..<min($0 + frameBytes, bytes.count)])
    }

    /// Session ids carry their index, so the sink and the load child can join without a table.
    static func sessionId(_ index: Int) -> String {
        "00000000-0000-4000-8000-" + String(format: "%012d", index)
    }

    static func index(ofSession id: String) -> Int? { Int(id.suffix(12)) }

    static let organizationId = "5b3c0000-0000-4000-8000-00000000be0c"
    /// The `open` of session `index` (conversation and participant ids derived from it).
    static func openMessage(_ index: Int) -> String {
        let id = sessionId(index)
        return AudioHookMessage(id: id, seq: 1, serverseq: 0, position: AudioHookDuration(samples: 0, rate: rate), .open(.init(
            organizationId: organizationId, conversationId: "c0000000-0000-4000-8000-" + String(format: "%012d", index),
            participant: .init(id: "b0000000-0000-4000-8000-" + String(format: "%012d", index), ani: "tel:+15550000000"),
            media: [.pcmuStereo]))).json
    }

    static let credentials = AudioHookCredentials(apiKey: Secret("YmVuY2gtYXVkaW9ob29rLWFwaS1rZXk="),
                                                  clientSecret: Secret(Data("the bench's audiohook client secret".utf8).base64EncodedString()))
}
