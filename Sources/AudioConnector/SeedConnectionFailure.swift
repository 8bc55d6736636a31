import SwitchboardCore

/// Why a seed Audio Connector connection ended or could not start (``SeedConnectionStateMachine/Action/fail(_:)``).
/// The message says what happened and what happens next; it never contains the connection URI's token.
public struct SeedConnectionFailure: CodedError, Equatable, Hashable {
    public let code: String
    public let message: String
    /// The configuration is wrong (the server refused the subscription's interaction types or sample rate):
    /// retrying cannot help until the org's `audio:` section is fixed, so retries wait the longest delay.
    public let isConfigurationProblem: Bool

    public init(code: String, message: String, isConfigurationProblem: Bool = false) {
        self.code = code
        self.message = message
        self.isConfigurationProblem = isConfigurationProblem
    }

    static func discoveryFailed(_ reason: String) -> Self {
        Self(code: "seed.discovery-failed", message: "GET /api/v2/audioconnector/connections failed: \(reason); "
            + "retrying with backoff")
    }

    static func connectFailed(_ reason: String) -> Self {
        Self(code: "seed.connect-failed", message: "the Audio Connector WebSocket would not open: \(reason); "
            + "discovering a fresh URI and retrying with backoff")
    }

    static func tokenRejected() -> Self {
        Self(code: "seed.token-rejected", message: "the Audio Connector closed the connection with 4401 (its connection "
            + "token was reused or expired); discovering a fresh URI")
    }

    static func closed(code: Int?, reason: String?) -> Self {
        let what = code.map { "with code \($0)" } ?? "without a close code"
        let why = reason.flatMap { $0.isEmpty ? nil : " (\(SeedMessageError.quote($0)))" } ?? ""
        return Self(code: "seed.closed", message: "the Audio Connector connection closed \(what)\(why); "
            + "discovering a fresh URI and reconnecting with backoff")
    }

    static func watchdog(_ timeout: Duration) -> Self {
        Self(code: "seed.watchdog", message: "nothing received on the Audio Connector connection for \(timeout); "
            + "closing it, discovering a fresh URI and reconnecting")
    }

    static func configuration(_ error: SeedServerError, subscription: SeedSubscription?) -> Self {
        let detail = error.message.map { ": \(SeedMessageError.quote($0))" } ?? ""
        let fix: String
        switch error.code {
        case SeedServerError.unsupportedInteractionType:
            fix = "the Audio Connector streams voice only; set the org's audio.filters.interactionTypes to [voice]"
        case SeedServerError.invalidSampleRate:
            let rate = subscription.map { " \($0.sampleRate)" } ?? ""
            fix = "the sample rate\(rate) is not served; set the org's audio.sampleRate to one of 8000, 12000, 16000, "
                + "24000, 48000"
        default:
            fix = "check the org's audio: section"
        }
        return Self(code: "seed.config", message: "the Audio Connector refused the subscription (\(error.code)\(detail)); "
            + "\(fix); retrying only every backoff maximum until then", isConfigurationProblem: true)
    }

    static func noSubscriptionAllowed() -> Self {
        Self(code: "seed.subscription-limit", message: "the Audio Connector refused even the first subscription of a "
            + "connection (subscription-limit): it allows none; retrying only every backoff maximum",
             isConfigurationProblem: true)
    }

    static func serverError(_ error: SeedServerError) -> Self {
        let detail = error.message.map { ": \(SeedMessageError.quote($0))" } ?? ""
        return Self(code: "seed.server-error", message: "the Audio Connector sent error '\(SeedMessageError.quote(error.code))'"
            + "\(detail); reconnecting with backoff")
    }
}
