import COpus

/// One Opus decoder (one per interaction: Opus is stateful across packets). Owns libopus's decoder
/// state and a scratch buffer for the longest packet (120 ms), both allocated once, so decoding a
/// packet allocates nothing once the caller's output array has grown to its working size.
///
/// Not thread-safe (libopus state is mutated by every call); keep one decoder in one task or actor.
public final class OpusDecoder {
    public let sampleRate: Int
    public let channels: Int
    /// The longest output of one call, per channel (120 ms at `sampleRate`).
    public let maxSamples: Int

    private let state: OpaquePointer
    private let scratch: UnsafeMutableBufferPointer<Int16>

    /// - Parameters:
    ///   - sampleRate: 8000, 12000, 16000, 24000 or 48000 (the rate to decode at, whatever the packet's
    ///     coded bandwidth).
    ///   - channels: 1 or 2; stereo output is interleaved.
    public init(sampleRate: Int, channels: Int) throws {
        try OpusPacket.checkRate(sampleRate)
        guard channels == 1 || channels == 2 else {
            throw OpusError.badArgument("an Opus decoder has 1 or 2 channels, not \(channels)")
        }
        var status: Int32 = OPUS_OK
        guard let state = opus_decoder_create(Int32(sampleRate), Int32(channels), &status), status == OPUS_OK else {
            throw OpusError.libopus(status == OPUS_OK ? OPUS_ALLOC_FAIL : status,
                                    "creating a decoder at \(sampleRate) Hz, \(channels) channel(s)")
        }
        self.state = state
        self.sampleRate = sampleRate
        self.channels = channels
        self.maxSamples = OpusCodec.maxPacketSamples(sampleRate: sampleRate)
        self.scratch = .allocate(capacity: maxSamples * channels)
        scratch.initialize(repeating: 0)
    }

    deinit {
        opus_decoder_destroy(state)
        scratch.deallocate()
    }

    /// Decodes one packet into `output` (replacing its contents; interleaved when stereo) and returns
    /// the samples per channel. `output` keeps its capacity, so reusing one array allocates only
    /// until it reaches the longest packet's size.
    /// Throws `opus.invalid-packet` for an empty or corrupted packet.
    @discardableResult
    public func decode(_ packet: UnsafeRawBufferPointer, into output: inout [Int16]) throws -> Int {
        let samples = try decodeToScratch(packet)
        copyOut(samples: samples, into: &output, append: false)
        return samples
    }

    /// Decodes one packet into `scratch`; returns the samples per channel.
    private func decodeToScratch(_ packet: UnsafeRawBufferPointer) throws -> Int {
        guard packet.count > 0, let base = packet.baseAddress else {
            throw OpusError.invalidPacket("cannot decode an empty Opus packet; conceal it as loss with decodeLoss")
        }
        guard packet.count <= Int(Int32.max) else {
            throw OpusError.invalidPacket("an Opus packet of \(packet.count) bytes is far over any legal size")
        }
        let decoded = opus_decode(state, base.assumingMemoryBound(to: UInt8.self), Int32(packet.count),
                                  scratch.baseAddress!, Int32(maxSamples), 0)
        guard decoded >= 0 else {
            throw OpusError.libopus(decoded, "decoding a packet of \(packet.count) bytes at \(sampleRate) Hz")
        }
        return Int(decoded)
    }

    /// Decodes one packet held in an array (the reassembler's `.packet` form; no generic dispatch).
    @discardableResult
    public func decode(_ packet: [UInt8], into output: inout [Int16]) throws -> Int {
        try packet.withUnsafeBytes { try decode($0, into: &output) }
    }

    /// Decodes one packet (any byte collection; arrays and slices are read in place).
    @discardableResult
    public func decode(_ packet: some Collection<UInt8>, into output: inout [Int16]) throws -> Int {
        try OpusPacket.withBytes(packet) { try decode($0, into: &output) }
    }

    /// Decodes one packet and hands `body` the decoded samples in place (interleaved when stereo;
    /// samples per channel = `count / channels`), without copying them out: the hot path's form, e.g.
    /// straight into `VoiceActivityAnalyzer.process(samples:)`. The buffer is the decoder's own and is
    /// valid only inside `body`. Throws `opus.invalid-packet` for an empty or corrupted packet.
    public func withDecoded<R>(_ packet: UnsafeRawBufferPointer, _ body: (UnsafeBufferPointer<Int16>) throws -> R) throws -> R {
        let samples = try decodeToScratch(packet)
        return try body(UnsafeBufferPointer(rebasing: scratch[0..<(samples * channels)]))
    }

    /// Decodes one packet held in an array and hands `body` the decoded samples in place.
    public func withDecoded<R>(_ packet: [UInt8], _ body: (UnsafeBufferPointer<Int16>) throws -> R) throws -> R {
        try packet.withUnsafeBytes { try withDecoded($0, body) }
    }

    /// Decodes one packet (any byte collection; arrays and slices are read in place) and hands `body` the
    /// decoded samples in place.
    public func withDecoded<R>(_ packet: some Collection<UInt8>, _ body: (UnsafeBufferPointer<Int16>) throws -> R) throws -> R {
        try OpusPacket.withBytes(packet) { try withDecoded($0, body) }
    }

    /// Packet-loss concealment: fills `output` (replacing its contents) with `samples` per channel of
    /// audio extrapolated from the packets before (`opus_decode` with no packet), and returns `samples`.
    /// `samples` must be a positive multiple of 2.5 ms at the decoder's rate (the duration of the lost
    /// packet; `lastPacketSamples` when it is not known). Long gaps are concealed in 120 ms steps and fade
    /// to silence, as libopus does.
    @discardableResult
    public func decodeLoss(samples: Int, into output: inout [Int16]) throws -> Int {
        let unit = sampleRate / 400
        guard samples > 0, samples % unit == 0 else {
            throw OpusError.badArgument("loss concealment needs a positive multiple of 2.5 ms (\(unit) samples at "
                + "\(sampleRate) Hz), not \(samples) samples; use the lost packet's duration")
        }
        output.removeAll(keepingCapacity: true)
        var done = 0
        while done < samples {
            let step = min(maxSamples, samples - done)
            let decoded = opus_decode(state, nil, 0, scratch.baseAddress!, Int32(step), 0)
            guard decoded >= 0 else {
                throw OpusError.libopus(decoded, "concealing \(step) lost samples at \(sampleRate) Hz")
            }
            copyOut(samples: Int(decoded), into: &output, append: true)
            done += Int(decoded)
            if decoded == 0 { break }  // never loop forever on a misbehaving library
        }
        return done
    }

    /// Samples per channel of the last packet decoded or concealed (`OPUS_GET_LAST_PACKET_DURATION`);
    /// before any packet, 20 ms.
    public var lastPacketSamples: Int {
        var samples: Int32 = 0
        let status = switchboard_opus_decoder_get_last_packet_duration(state, &samples)
        guard status == OPUS_OK, samples > 0 else { return sampleRate / 50 }
        return Int(samples)
    }

    /// Forgets the stream (as at creation), e.g. after a discontinuity.
    public func reset() {
        _ = switchboard_opus_decoder_reset(state)
    }

    private func copyOut(samples: Int, into output: inout [Int16], append: Bool) {
        if !append { output.removeAll(keepingCapacity: true) }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[0..<(samples * channels)]))
    }
}
