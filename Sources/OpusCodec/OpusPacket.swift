import COpus

/// Facts read from an Opus packet's TOC byte and frame count, without decoding it, so that a
/// packet's duration is never assumed (a stream may mix 2.5 ms to 120 ms packets).
public enum OpusPacket {
    /// Samples per channel the packet decodes to at `sampleRate` (`opus_packet_get_nb_samples`).
    /// Throws `opus.invalid-packet` for an empty or malformed packet or one over 120 ms, `opus.bad-arg`
    /// for a rate libopus does not support.
    public static func samples(_ packet: UnsafeRawBufferPointer, sampleRate: Int) throws -> Int {
        try checkRate(sampleRate)
        let bytes = try nonEmpty(packet, "reading a packet's duration")
        let status = opus_packet_get_nb_samples(bytes.baseAddress!, Int32(clamping: bytes.count), Int32(sampleRate))
        guard status >= 0 else { throw OpusError.libopus(status, "reading a packet's duration (\(packet.count) bytes)") }
        return Int(status)
    }

    /// Samples per channel the packet decodes to at `sampleRate`.
    public static func samples(_ packet: some Collection<UInt8>, sampleRate: Int) throws -> Int {
        try withBytes(packet) { try samples($0, sampleRate: sampleRate) }
    }

    /// Channels coded in the packet, 1 or 2 (`opus_packet_get_nb_channels`). A decoder decodes either
    /// into its own channel count.
    public static func channels(_ packet: UnsafeRawBufferPointer) throws -> Int {
        let bytes = try nonEmpty(packet, "reading a packet's channel count")
        let status = opus_packet_get_nb_channels(bytes.baseAddress!)
        guard status >= 0 else { throw OpusError.libopus(status, "reading a packet's channel count") }
        return Int(status)
    }

    /// Channels coded in the packet, 1 or 2.
    public static func channels(_ packet: some Collection<UInt8>) throws -> Int {
        try withBytes(packet) { try channels($0) }
    }

    /// Frames in the packet (`opus_packet_get_nb_frames`), 1…48.
    public static func frames(_ packet: UnsafeRawBufferPointer) throws -> Int {
        let bytes = try nonEmpty(packet, "reading a packet's frame count")
        let status = opus_packet_get_nb_frames(bytes.baseAddress!, Int32(clamping: bytes.count))
        guard status >= 0 else { throw OpusError.libopus(status, "reading a packet's frame count (\(packet.count) bytes)") }
        return Int(status)
    }

    /// Frames in the packet.
    public static func frames(_ packet: some Collection<UInt8>) throws -> Int {
        try withBytes(packet) { try frames($0) }
    }

    static func checkRate(_ sampleRate: Int) throws {
        guard OpusCodec.sampleRates.contains(sampleRate) else {
            throw OpusError.badArgument("sample rate \(sampleRate) Hz is not one Opus supports; use 8000, 12000, "
                + "16000, 24000 or 48000")
        }
    }

    private static func nonEmpty(_ packet: UnsafeRawBufferPointer, _ context: String) throws
        -> UnsafeBufferPointer<UInt8> {
        guard packet.count > 0, let base = packet.baseAddress else {
            throw OpusError.invalidPacket("an empty Opus packet while \(context); a packet has at least its TOC byte, "
                + "treat it as lost")
        }
        return UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: packet.count)
    }

    /// Runs `body` over the collection's bytes, contiguous storage when it has some, else a copy.
    static func withBytes<R>(_ bytes: some Collection<UInt8>, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        if let result = try bytes.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return try Array(bytes).withUnsafeBytes { try body($0) }
    }
}
