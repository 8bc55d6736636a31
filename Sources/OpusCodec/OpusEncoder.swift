import COpus

/// One Opus encoder (the simulator's side: it produces the test audio the seed Audio Connector
/// streams). Owns libopus's encoder state and a packet scratch buffer, both allocated once.
///
/// Not thread-safe; keep one encoder in one task or actor.
public final class OpusEncoder {
    /// libopus's coding mode.
    public enum Application: Sendable {
        /// Speech (`OPUS_APPLICATION_VOIP`): the mode for call audio.
        case voip
        /// General audio (`OPUS_APPLICATION_AUDIO`).
        case audio
        /// Lowest delay, CELT only (`OPUS_APPLICATION_RESTRICTED_LOWDELAY`).
        case lowDelay

        var value: Int32 {
            switch self {
            case .voip: OPUS_APPLICATION_VOIP
            case .audio: OPUS_APPLICATION_AUDIO
            case .lowDelay: OPUS_APPLICATION_RESTRICTED_LOWDELAY
            }
        }
    }

    public let sampleRate: Int
    public let channels: Int
    public let application: Application

    private let state: OpaquePointer
    /// Enough for a 120 ms packet at the highest bitrate (six 1275-byte frames plus framing).
    private var packetScratch = [UInt8](repeating: 0, count: 8192)

    /// - Parameters:
    ///   - sampleRate: 8000, 12000, 16000, 24000 or 48000.
    ///   - channels: 1 or 2; stereo input is interleaved.
    ///   - application: `.voip` for call audio.
    public init(sampleRate: Int, channels: Int, application: Application = .voip) throws {
        try OpusPacket.checkRate(sampleRate)
        guard channels == 1 || channels == 2 else {
            throw OpusError.badArgument("an Opus encoder has 1 or 2 channels, not \(channels)")
        }
        var status: Int32 = OPUS_OK
        guard let state = opus_encoder_create(Int32(sampleRate), Int32(channels), application.value, &status),
              status == OPUS_OK else {
            throw OpusError.libopus(status == OPUS_OK ? OPUS_ALLOC_FAIL : status,
                                    "creating an encoder at \(sampleRate) Hz, \(channels) channel(s)")
        }
        self.state = state
        self.sampleRate = sampleRate
        self.channels = channels
        self.application = application
    }

    deinit {
        opus_encoder_destroy(state)
    }

    /// The target bitrate in bits per second (libopus chooses one by default: about 24–32 kb/s for
    /// speech at 16 kHz stereo).
    public var bitrate: Int {
        var value: Int32 = 0
        _ = switchboard_opus_encoder_get_bitrate(state, &value)
        return Int(value)
    }

    /// Sets the target bitrate, 500…512000 bits per second. Throws `opus.bad-arg` outside that range.
    public func setBitrate(_ bitsPerSecond: Int) throws {
        guard (500...512_000).contains(bitsPerSecond) else {
            throw OpusError.badArgument("an Opus bitrate is 500 to 512000 bits per second, not \(bitsPerSecond)")
        }
        let status = switchboard_opus_encoder_set_bitrate(state, Int32(bitsPerSecond))
        guard status == OPUS_OK else { throw OpusError.libopus(status, "setting the bitrate to \(bitsPerSecond)") }
    }

    /// Sets the encoder's complexity, 0 (fastest) … 10 (best; libopus's default).
    public func setComplexity(_ complexity: Int) throws {
        guard (0...10).contains(complexity) else {
            throw OpusError.badArgument("an Opus complexity is 0 to 10, not \(complexity)")
        }
        let status = switchboard_opus_encoder_set_complexity(state, Int32(complexity))
        guard status == OPUS_OK else { throw OpusError.libopus(status, "setting the complexity to \(complexity)") }
    }

    /// Forces the coded channel count (libopus otherwise codes a stereo signal as mono when it judges the
    /// bitrate too low for two): 1 or 2, or nil for libopus's choice (`OPUS_AUTO`). Call audio keeps its two
    /// parties apart only when coded as stereo.
    public func setForceChannels(_ channels: Int?) throws {
        if let channels, channels != 1 && channels != 2 {
            throw OpusError.badArgument("forced channels are 1 or 2 (or nil for automatic), not \(channels)")
        }
        let status = switchboard_opus_encoder_set_force_channels(state, Int32(channels ?? Int(OPUS_AUTO)))
        guard status == OPUS_OK else { throw OpusError.libopus(status, "forcing \(channels ?? 0) channel(s)") }
    }

    /// Encodes one frame of `frameSamples` samples per channel (interleaved when stereo, so
    /// `pcm.count == frameSamples * channels`) into one Opus packet. `frameSamples` is 2.5, 5, 10, 20,
    /// 40, 60, 80, 100 or 120 ms at the encoder's rate; anything else throws `opus.bad-arg`.
    public func encode(_ pcm: UnsafeBufferPointer<Int16>, frameSamples: Int) throws -> [UInt8] {
        guard OpusCodec.isLegalFrame(samples: frameSamples, sampleRate: sampleRate) else {
            throw OpusError.badArgument("\(frameSamples) samples at \(sampleRate) Hz is not an Opus frame duration; "
                + "use 2.5, 5, 10, 20, 40, 60, 80, 100 or 120 ms")
        }
        guard pcm.count == frameSamples * channels, let base = pcm.baseAddress else {
            throw OpusError.badArgument("a frame of \(frameSamples) samples and \(channels) channel(s) needs "
                + "\(frameSamples * channels) interleaved samples, not \(pcm.count)")
        }
        let written = packetScratch.withUnsafeMutableBufferPointer { out in
            opus_encode(state, base, Int32(frameSamples), out.baseAddress!, Int32(out.count))
        }
        guard written > 0 else {
            throw OpusError.libopus(written < 0 ? written : OPUS_INTERNAL_ERROR,
                                    "encoding \(frameSamples) samples at \(sampleRate) Hz")
        }
        return Array(packetScratch[0..<Int(written)])
    }

    /// Encodes one frame from an array of interleaved samples.
    public func encode(_ pcm: [Int16], frameSamples: Int) throws -> [UInt8] {
        try pcm.withUnsafeBufferPointer { try encode($0, frameSamples: frameSamples) }
    }

    /// Encodes one frame from a slice of interleaved samples.
    public func encode(_ pcm: ArraySlice<Int16>, frameSamples: Int) throws -> [UInt8] {
        try pcm.withUnsafeBufferPointer { try encode($0, frameSamples: frameSamples) }
    }
}
