import SwitchboardCore

/// A binary Audio Connector message that cannot be read as a fragment (docs/audio.md, "The seed Audio
/// Connector"). The message is dropped and counted; the connection goes on.
public struct SeedAudioError: CodedError, Equatable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    static func tooShort(_ count: Int) -> SeedAudioError {
        SeedAudioError(code: "seed-audio.too-short", message: "a binary audio message of \(count) bytes is shorter "
            + "than the \(SeedAudioFrame.headerSize)-byte fragment header; the sender is not speaking the seed "
            + "Audio Connector's format — check its version")
    }

    static func unknownVersion(_ version: UInt8) -> SeedAudioError {
        SeedAudioError(code: "seed-audio.unknown-version", message: "a binary audio message has header version "
            + "\(version), only version \(SeedAudioFrame.currentVersion) is understood; the fragment is dropped — "
            + "update Switchboard or pin the sender to version \(SeedAudioFrame.currentVersion)")
    }

    static func payloadTooLarge(_ count: Int) -> SeedAudioError {
        SeedAudioError(code: "seed-audio.payload-too-large", message: "a fragment payload of \(count) bytes cannot "
            + "be framed; split the packet into more fragments")
    }
}
