import SwitchboardCore

/// Why an AudioHook message, upgrade or session was refused.
///
/// `code` is stable (`audiohook.signature-expired`) and safe as a metric label; `message` says
/// what, where and what to do. Neither ever holds a secret: API keys and client secrets are named
/// ("the X-API-KEY header"), never shown, and values quoted from the wire are shortened and
/// stripped of control characters.
public struct AudioHookError: CodedError, Equatable, Hashable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    /// How the session ends after this error: `unauthorized` for authentication failures,
    /// `error` for everything else (the protocol's `disconnect.reason`).
    public var disconnectReason: AudioHookDisconnectReason {
        code.hasPrefix("audiohook.auth.") ? .unauthorized : .error
    }

    /// A wire value quoted in a message: at most 60 printable characters.
    static func quote(_ s: String) -> String {
        let clean = String(s.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
        return clean.count > 60 ? String(clean.prefix(60)) + "…" : clean
    }
}

// MARK: - Messages (the JSON text frames)

extension AudioHookError {
    static func malformedJSON(_ detail: String) -> AudioHookError {
        AudioHookError(code: "audiohook.malformed-json",
                       message: "AudioHook text message is not a JSON object (\(detail)); the client must send one JSON object per text frame")
    }

    static func messageTooLarge(_ bytes: Int, limit: Int) -> AudioHookError {
        AudioHookError(code: "audiohook.message-too-large",
                       message: "AudioHook text message of \(bytes) bytes is over the \(limit)-byte limit; the client must send smaller messages")
    }

    static func unknownType(_ type: String) -> AudioHookError {
        AudioHookError(code: "audiohook.unknown-type",
                       message: "AudioHook message type '\(quote(type))' is not part of protocol version 2; "
                           + "known types are \(AudioHookMessageType.allCases.map(\.rawValue).joined(separator: ", "))")
    }

    static func missingField(_ path: String, in type: String?) -> AudioHookError {
        AudioHookError(code: "audiohook.missing-field",
                       message: "AudioHook \(type.map { "'\($0)' " } ?? "")message has no '\(path)'; the field is required")
    }

    static func invalidField(_ path: String, in type: String?, expected: String) -> AudioHookError {
        AudioHookError(code: "audiohook.invalid-field",
                       message: "AudioHook \(type.map { "'\($0)' " } ?? "")message: '\(path)' must be \(expected)")
    }

    static func unsupportedVersion(_ version: String) -> AudioHookError {
        AudioHookError(code: "audiohook.unsupported-version",
                       message: "AudioHook protocol version '\(quote(version))' is not supported; only version \"2\" is")
    }
}

// MARK: - Sessions

extension AudioHookError {
    static func sequence(got: Int, expected: Int, type: AudioHookMessageType) -> AudioHookError {
        AudioHookError(code: "audiohook.sequence",
                       message: "AudioHook '\(type.rawValue)' has seq \(got) where \(expected) was due; "
                           + "seq must start at 1 and go up by exactly 1")
    }

    static func serverSequence(got: Int, sent: Int) -> AudioHookError {
        AudioHookError(code: "audiohook.server-sequence",
                       message: "AudioHook message acknowledges serverseq \(got), but the server has sent only \(sent) messages")
    }

    static func sessionMismatch(got: String) -> AudioHookError {
        AudioHookError(code: "audiohook.session-mismatch",
                       message: "AudioHook message id '\(quote(got))' is not this session's id (the Audiohook-Session-Id of the upgrade)")
    }

    static func notOpen(_ type: AudioHookMessageType) -> AudioHookError {
        AudioHookError(code: "audiohook.not-open",
                       message: "AudioHook '\(type.rawValue)' arrived before 'open'; the first message of a session must be 'open'")
    }

    static func unexpected(_ type: AudioHookMessageType) -> AudioHookError {
        AudioHookError(code: "audiohook.unexpected-message",
                       message: "AudioHook '\(type.rawValue)' is a server message; a client must not send it")
    }

    static let duplicateOpen = AudioHookError(code: "audiohook.duplicate-open",
                                              message: "AudioHook 'open' arrived twice in one session; open once per session")

    static func noSupportedMedia(offered: [AudioMedia]) -> AudioHookError {
        let list = offered.isEmpty ? "nothing" : offered.map(\.summary).joined(separator: ", ")
        return AudioHookError(code: "audiohook.no-supported-media",
                              message: "AudioHook 'open' offers \(list); Switchboard needs PCMU or L16 at 8000 Hz with both the "
                                  + "external and internal channels (stereo) — check the AudioHook integration's channel setting")
    }

    static func audioBeforeOpen() -> AudioHookError {
        AudioHookError(code: "audiohook.unexpected-audio",
                       message: "AudioHook audio arrived before the session was opened; send audio only after 'opened'")
    }

    static func audioWhilePaused() -> AudioHookError {
        AudioHookError(code: "audiohook.unexpected-audio",
                       message: "AudioHook audio arrived while the stream is paused; send 'resumed' before more audio")
    }

    static func partialSample(bytes: Int, bytesPerSample: Int, media: AudioMedia) -> AudioHookError {
        AudioHookError(code: "audiohook.partial-sample",
                       message: "AudioHook audio frame of \(bytes) bytes is not a whole number of \(bytesPerSample)-byte samples "
                           + "for \(media.summary); frames must hold whole samples of every channel")
    }

    static func textTooLarge(_ bytes: Int, limit: Int) -> AudioHookError { messageTooLarge(bytes, limit: limit) }

    static func openTimeout(_ after: Duration) -> AudioHookError {
        AudioHookError(code: "audiohook.open-timeout",
                       message: "AudioHook session sent no 'open' within \(after.seconds) after the upgrade; closing it")
    }

    static func idleTimeout(_ after: Duration) -> AudioHookError {
        AudioHookError(code: "audiohook.idle-timeout",
                       message: "AudioHook session sent nothing (no audio, ping or message) for \(after.seconds); closing it")
    }

    static func organizationMismatch(header: String, open: String) -> AudioHookError {
        AudioHookError(code: "audiohook.auth.organization-mismatch",
                       message: "AudioHook 'open' names organization '\(quote(open))' but the upgrade's Audiohook-Organization-Id "
                           + "was '\(quote(header))'; they must be equal")
    }
}

extension Duration {
    /// `5s`, `1.5s` — for messages.
    var seconds: String {
        let ms = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(Double(ms) / 1000)s"
    }
}
