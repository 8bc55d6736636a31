/// Faults of the simulated AudioHook client (`POST /_sim/faults` kinds `audiohook-…`). Each is queued for
/// the org and taken by one session: the upgrade faults by the next session to connect, the stream faults
/// by the next session to send a frame (a streaming one, else the next to stream). The session's truth
/// lists what it took.
public enum SimAudioHookFault: String, Sendable, Equatable, Hashable, CaseIterable {
    /// The upgrade's signature does not match (one bit of the MAC flipped).
    case badSignature = "audiohook-bad-signature"
    /// The upgrade reuses the nonce of the org's previous session (a fresh `created`).
    case replayNonce = "audiohook-replay-nonce"
    /// The socket is closed mid-call without `close`.
    case drop = "audiohook-drop"
    /// One audio frame one byte short: not a whole number of stereo samples.
    case oddFrame = "audiohook-odd-frame"
    /// One text message that is not valid JSON.
    case malformedJSON = "audiohook-malformed"
    /// One message of a type the protocol does not have (`telemetry`).
    case unknownType = "audiohook-unknown-type"

    public var kind: String { rawValue }

    /// Taken when a session connects (rather than while it streams).
    public var isUpgradeFault: Bool { self == .badSignature || self == .replayNonce }
}
