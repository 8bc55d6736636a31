import COpus
import SwitchboardCore

/// A libopus failure or a misuse of the wrapper, as a coded error (`opus.invalid-packet`, …).
public struct OpusError: CodedError, Equatable {
    public let code: String
    public let message: String
    /// libopus's status code (`OPUS_BAD_ARG` …), when the error came from libopus.
    public let status: Int32?

    public init(code: String, message: String, status: Int32? = nil) {
        self.code = code
        self.message = message
        self.status = status
    }

    /// Maps a negative libopus status to an error; `context` says what was being done (no payload bytes).
    public static func libopus(_ status: Int32, _ context: String) -> OpusError {
        switch status {
        case OPUS_BAD_ARG:
            return OpusError(code: "opus.bad-arg", message: "libopus refused an argument while \(context); "
                + "check the sample rate (8000, 12000, 16000, 24000 or 48000), channels (1 or 2) and frame size "
                + "(2.5 to 120 ms)", status: status)
        case OPUS_BUFFER_TOO_SMALL:
            return OpusError(code: "opus.buffer-too-small", message: "the output buffer was too small while "
                + "\(context); this is a bug in the wrapper's buffer sizing, please report it", status: status)
        case OPUS_INTERNAL_ERROR:
            return OpusError(code: "opus.internal-error", message: "libopus reported an internal error while "
                + "\(context); reset the decoder (or drop the stream) and report the packet", status: status)
        case OPUS_INVALID_PACKET:
            return OpusError(code: "opus.invalid-packet", message: "the Opus packet is corrupted or not Opus "
                + "while \(context); treat it as lost (packet-loss concealment) and check the sender", status: status)
        case OPUS_UNIMPLEMENTED:
            return OpusError(code: "opus.unimplemented", message: "libopus does not implement the request made "
                + "while \(context); use a supported setting", status: status)
        case OPUS_INVALID_STATE:
            return OpusError(code: "opus.invalid-state", message: "the codec state is invalid while \(context); "
                + "create a new encoder or decoder", status: status)
        case OPUS_ALLOC_FAIL:
            return OpusError(code: "opus.alloc-fail", message: "libopus could not allocate memory while "
                + "\(context); the process is short of memory", status: status)
        default:
            return OpusError(code: "opus.unknown-error", message: "libopus returned status \(status) while "
                + "\(context); update the wrapper's error mapping", status: status)
        }
    }

    static func badArgument(_ message: String) -> OpusError {
        OpusError(code: "opus.bad-arg", message: message, status: OPUS_BAD_ARG)
    }

    static func invalidPacket(_ message: String) -> OpusError {
        OpusError(code: "opus.invalid-packet", message: message, status: OPUS_INVALID_PACKET)
    }
}
