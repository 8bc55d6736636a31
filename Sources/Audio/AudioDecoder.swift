/// Binary AudioHook frames to linear samples per channel.
///
/// A frame is raw samples with no header, interleaved per sample in the order of the medium's
/// `channels` (`ext0 int0 ext1 int1 …` for `["external","internal"]`), and must hold a whole number
/// of samples of every channel.
public enum AudioDecoder {
    /// Decodes and de-interleaves `bytes` of `media`: one array per channel, in `media.channels` order.
    /// - Throws: `audiohook.partial-sample` when the frame is not whole samples of every channel, or
    ///   `audiohook.no-supported-media` for a format Switchboard does not decode.
    public static func decode(_ bytes: [UInt8], media: AudioMedia) throws(AudioHookError) -> [[Int16]] {
        guard let width = media.bytesPerFrameSample, width > 0 else { throw .noSupportedMedia(offered: [media]) }
        guard bytes.count % width == 0 else {
            throw .partialSample(bytes: bytes.count, bytesPerSample: width, media: media)
        }
        var interleaved: [Int16] = []
        interleaved.reserveCapacity(bytes.count / (media.format.bytesPerSample ?? 1))
        if media.format == .pcmu {
            PCMU.decode(bytes, into: &interleaved)
        } else {
            L16.decode(bytes, into: &interleaved)
        }
        return deinterleave(interleaved, channels: media.channels.count)
    }

    /// Splits samples interleaved over `channels` into one array per channel (a trailing partial
    /// sample group is dropped).
    public static func deinterleave(_ samples: [Int16], channels: Int) -> [[Int16]] {
        precondition(channels > 0)
        let frames = samples.count / channels
        var out = [[Int16]](repeating: [], count: channels)
        for c in 0..<channels { out[c].reserveCapacity(frames) }
        samples.withUnsafeBufferPointer { s in
            for f in 0..<frames {
                for c in 0..<channels { out[c].append(s[f * channels + c]) }
            }
        }
        return out
    }
}
