import AudioConnector
import Foundation
import NIOCore
import OpusCodec

/// One call's audio at one sample rate: renders the call's schedule, encodes it with one Opus encoder (Opus is
/// stateful, so one per call and rate, used in order), cuts each packet into its fragments and applies the
/// packet faults (``SimSeedFaultShaper``). The same messages go to every subscription at this rate.
///
/// Not thread-safe: owned by the seed server's run loop.
final class SimSeedEncoder {
    let rate: Int
    private let encoder: OpusEncoder?
    private var shaper = SimSeedFaultShaper()
    private var pcm: [Int16] = []
    private let offset: Int

    /// libopus's complexity: low, the simulator encodes every streamed call in real time.
    static let complexity = 2
    /// Bits per second for the stereo stream.
    static let bitrate = 64_000

    init(rate: Int, waveformOffset: Int) {
        self.rate = rate
        offset = waveformOffset % rate
        let encoder = try? OpusEncoder(sampleRate: rate, channels: 2, application: .voip)
        try? encoder?.setComplexity(Self.complexity)
        // Two parties, two channels: never let libopus fold them into one, and give it the bits to keep them apart
        // (at its default rate the quiet side picks up the talking side at about −47 dBFS; at 64 kb/s, −61).
        try? encoder?.setForceChannels(2)
        try? encoder?.setBitrate(Self.bitrate)
        self.encoder = encoder
    }

    /// The Opus packet for `packet` of `stream` (nil when it cannot be encoded, which a legal duration never is).
    func encode(_ packet: SimSeedCallStream.Packet, of stream: SimSeedCallStream) -> [UInt8]? {
        guard let encoder else { return nil }
        let samples = Int(packet.durationUs * Int64(rate) / 1_000_000)
        SimSpeechSynth.pcm(stream.schedule, fromUs: packet.startUs, samples: samples, rate: rate, offset: offset,
                           into: &pcm)
        return try? encoder.encode(pcm, frameSamples: samples)
    }

    /// The binary messages of one packet: `bytes` (the real packet, or garbage) cut into `packet.fragments`
    /// fragments, shaped by `directive`, plus any held packet now due.
    func messages(_ packet: SimSeedCallStream.Packet, bytes: [UInt8], interaction: UUID,
                  directive: SimSeedFaultShaper.Directive) -> [ByteBuffer] {
        let maxPayload = max(1, (bytes.count + packet.fragments - 1) / max(1, packet.fragments))
        let frames = (try? SeedAudioFrame.fragments(of: bytes, interaction: interaction, sequence: packet.sequence,
                                                    maxPayload: maxPayload)) ?? []
        return shaper.shape(frames, directive).map { ByteBuffer(bytes: $0.encoded()) }
    }

    /// Whatever the shaper still holds (before a pause or the end of the call).
    func flush() -> [ByteBuffer] {
        shaper.flush().map { ByteBuffer(bytes: $0.encoded()) }
    }
}
