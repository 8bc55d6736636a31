/// An audio encoding named on the wire (`PCMU`, `L16`). Unknown names decode too, so an offer that
/// lists a format Switchboard cannot use is refused by the negotiation with a clear reason rather
/// than by the parser.
public struct AudioMediaFormat: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// G.711 μ-law, 1 byte per sample per channel.
    public static let pcmu = AudioMediaFormat(rawValue: "PCMU")
    /// 16-bit linear PCM, little-endian (as the reference implementation reads it), 2 bytes per sample.
    public static let l16 = AudioMediaFormat(rawValue: "L16")

    /// Bytes per sample of one channel; nil for a format Switchboard does not decode.
    public var bytesPerSample: Int? {
        switch self {
        case .pcmu: 1
        case .l16: 2
        default: nil
        }
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// A channel of the call: `external` is the customer (far end), `internal` the agent.
public struct AudioChannel: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The customer or far end.
    public static let external = AudioChannel(rawValue: "external")
    /// The agent.
    public static let `internal` = AudioChannel(rawValue: "internal")

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// One entry of `open.parameters.media` (an offer) or `opened.parameters.media` (the choice):
/// `{"type":"audio","format":"PCMU","channels":["external","internal"],"rate":8000}`.
///
/// Binary frames carry raw samples interleaved per sample in the order of `channels`.
public struct AudioMedia: Sendable, Hashable, Codable {
    public var type: String
    public var format: AudioMediaFormat
    public var channels: [AudioChannel]
    public var rate: Int

    public init(type: String = "audio", format: AudioMediaFormat, channels: [AudioChannel], rate: Int = 8000) {
        self.type = type
        self.format = format
        self.channels = channels
        self.rate = rate
    }

    /// PCMU, 8 kHz, external then internal: what Genesys offers first and Switchboard prefers.
    public static let pcmuStereo = AudioMedia(format: .pcmu, channels: [.external, .internal])
    /// L16, 8 kHz, external then internal.
    public static let l16Stereo = AudioMedia(format: .l16, channels: [.external, .internal])

    /// Bytes one sample of every channel takes in a binary frame; nil for an unknown format.
    public var bytesPerFrameSample: Int? { format.bytesPerSample.map { $0 * channels.count } }

    /// `PCMU 8000 Hz [external, internal]`, for messages.
    public var summary: String {
        "\(AudioHookError.quote(format.rawValue)) \(rate) Hz [\(channels.map { AudioHookError.quote($0.rawValue) }.joined(separator: ", "))]"
    }

    /// The offer Switchboard takes: the first of `preference` that is offered (the channel order of
    /// the offer is kept, since it is the interleaving order); nil when none is.
    ///
    /// The default preference is PCMU stereo, then L16 stereo, both at 8 kHz, with the two channels
    /// in either order. A mono offer (Audio Connector sends only `external`) is not enough for
    /// talk, silence and overtalk, so it is refused.
    public static func choose(from offers: [AudioMedia], preference: [AudioMediaFormat] = [.pcmu, .l16]) -> AudioMedia? {
        for format in preference {
            if let exact = offers.first(where: { $0.type == "audio" && $0.format == format && $0.rate == 8000
                && $0.channels == [.external, .internal] }) {
                return exact
            }
            if let swapped = offers.first(where: { $0.type == "audio" && $0.format == format && $0.rate == 8000
                && $0.channels == [.internal, .external] }) {
                return swapped
            }
        }
        return nil
    }
}
