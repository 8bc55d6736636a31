import Foundation
import HummingbirdWebSocket
import Logging
import Metrics
import Synchronization
import SwitchboardCore

/// The server side of AudioHook Monitor on the bridge's listener (docs/audio.md): routes each signed
/// upgrade to its org, verifies it, and runs each accepted session — the protocol through
/// ``AudioHookSessionStateMachine``, the audio through ``VoiceActivityAnalyzer`` — reporting
/// ``SpeechEvent``s to the sink.
///
/// - One shared replay cache and org registry (updatable at runtime: ``setOrgs(_:)`` on reloads,
///   ``learned(organizationId:for:)`` from the connectors).
/// - Every refusal is delayed to at least ``Configuration/refusalDelay`` (500 ms) after the request
///   arrived, as the reference implementation does against timing attacks, and logged in one line
///   naming the reason code and the org (never the key or secret).
/// - Sessions are independent: each runs in its own task, and a fault in one ends only that one.
public final class AudioHookServer: Sendable {
    public struct Configuration: Sendable {
        /// The session timeouts and accepted formats.
        public var session: AudioHookSessionStateMachine.Configuration
        /// The signature's age and skew limits.
        public var policy: AudioHookSignature.Policy
        /// Every refusal is answered no sooner than this after the request arrived.
        public var refusalDelay: Duration
        /// Progress reports about this often (real time, on a frame's arrival, 20 ms early tolerance) while audio
        /// flows; also at pause and resume. 400 ms: every second one of Genesys's 200 ms frames.
        public var progressInterval: Duration
        /// Replay cache capacity.
        public var nonceCapacity: Int
        /// Largest text or binary message read from a session (text over 64 KiB is refused by the decoder).
        public var maxMessageBytes: Int
        /// Server messages waiting to be written to a session before it is given up as not reading.
        public var maxQueuedMessages: Int
        /// Voice activity parameters.
        public var analysis: VoiceActivityAnalyzer.Parameters

        public init(session: AudioHookSessionStateMachine.Configuration = .init(),
                    policy: AudioHookSignature.Policy = .init(), refusalDelay: Duration = .milliseconds(500),
                    progressInterval: Duration = .milliseconds(400), nonceCapacity: Int = 100_000,
                    maxMessageBytes: Int = 64 << 10, maxQueuedMessages: Int = 64,
                    analysis: VoiceActivityAnalyzer.Parameters = .init()) {
            self.session = session
            self.policy = policy
            self.refusalDelay = refusalDelay
            self.progressInterval = progressInterval
            self.nonceCapacity = nonceCapacity
            self.maxMessageBytes = maxMessageBytes
            self.maxQueuedMessages = maxQueuedMessages
            self.analysis = analysis
        }
    }

    /// The outcome of an upgrade request.
    public enum Decision: Sendable {
        /// Answer with this HTTP status (``AudioHookError/httpStatus``); the error says why (already logged).
        case refuse(status: Int, error: AudioHookError)
        /// Upgrade, then ``run(_:inbound:outbound:)`` the session.
        case accept(AcceptedUpgrade)
    }

    /// A verified upgrade, waiting for its socket.
    public struct AcceptedUpgrade: Sendable {
        public let org: OrgID
        public let organizationId: String
        public let sessionId: String
        public let correlationId: String
        public let remote: String
    }

    public let configuration: Configuration
    let sink: any SpeechEventSink
    /// Where the decoded audio of orgs that want it goes (on-box keyword spotting); nil: nowhere.
    let tap: (any SpeechAudioTap)?
    /// Business time for the speech events (the views' clock).
    let clock: any WallClock
    /// UTC time for the signatures' `created`/`expires` (the real clock even in the demo).
    let signatureClock: any WallClock
    let logger: Logger
    let metrics: AudioHookMetrics
    private let registry: Mutex<AudioHookOrgRegistry>
    private let nonces: Mutex<AudioHookNonceCache>
    private let active = Atomic<Int>(0)

    /// - Parameters:
    ///   - orgs: the orgs with an `audio:` section.
    ///   - sink: where the sessions' speech events go (the speech views).
    ///   - tap: where the decoded audio of the orgs it ``SpeechAudioTap/listens(to:)`` to goes (asked once per
    ///     session, when it opens).
    ///   - clock: business time for the events.
    ///   - signatureClock: UTC time for checking signatures.
    ///   - metricsFactory: swift-metrics factory (the bridge's Prometheus registry); default the global one.
    public init(orgs: [AudioHookOrgRegistry.Org], sink: any SpeechEventSink, tap: (any SpeechAudioTap)? = nil,
                clock: any WallClock = SystemClock(), signatureClock: any WallClock = SystemClock(),
                configuration: Configuration = .init(), metricsFactory: (any MetricsFactory)? = nil,
                logger: Logger = .switchboard("audiohook")) {
        self.configuration = configuration
        self.sink = sink
        self.tap = tap
        self.clock = clock
        self.signatureClock = signatureClock
        self.logger = logger
        self.metrics = AudioHookMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        self.registry = Mutex(AudioHookOrgRegistry(orgs))
        self.nonces = Mutex(AudioHookNonceCache(capacity: configuration.nonceCapacity))
    }

    /// The path Genesys connects to: `wss://<host>/audiohook/v1`.
    public static let path = "/audiohook/v1"

    // MARK: Registry

    /// The orgs of a reloaded configuration (learned ids of orgs still present are kept).
    public func setOrgs(_ orgs: [AudioHookOrgRegistry.Org]) {
        registry.withLock { $0.replace(orgs) }
    }

    /// An org's organization id as read from the API; a configured id that differs stays in force (warned).
    public func learned(organizationId: String, for org: OrgID) {
        let outcome = registry.withLock { $0.learned(organizationId, for: org) }
        switch outcome {
        case .recorded:
            logger.info("audiohook organization id known", metadata: ["org": "\(org)", "organizationId": "\(organizationId)"])
        case .conflicts(let configured):
            logger.warning("the org's audio.organizationId differs from the id its credentials belong to; the configured id is used",
                           metadata: ["org": "\(org)", "configured": "\(configured)", "learned": "\(organizationId)"])
        case .unknownOrg:
            break
        }
    }

    /// The id upgrades of `org` must carry; nil while unknown.
    public func organizationId(of org: OrgID) -> String? { registry.withLock { $0.organizationId(of: org) } }

    /// Sessions running now.
    public var activeSessions: Int { active.load(ordering: .relaxed) }

    // MARK: Upgrades

    /// Decides an upgrade request: route by `Audiohook-Organization-Id`, verify the signature, record
    /// the nonce. A refusal returns no sooner than ``Configuration/refusalDelay`` after `arrived`.
    public func decide(_ request: AudioHookUpgradeRequest, remote: String,
                       arrived: ContinuousClock.Instant = .now) async -> Decision {
        let outcome = verify(request)
        switch outcome {
        case .success(let (route, verified)):
            return .accept(AcceptedUpgrade(org: route.org, organizationId: verified.organizationId,
                                           sessionId: verified.sessionId, correlationId: verified.correlationId,
                                           remote: remote))
        case .failure(let refusal):
            metrics.refused(code: refusal.error.code)
            logger.warning("audiohook upgrade refused", metadata: [
                "code": "\(refusal.error.code)", "org": "\(refusal.org.map(\.rawValue) ?? "-")",
                "organizationId": "\(AudioHookError.quote(request.header("Audiohook-Organization-Id") ?? "-"))",
                "remote": "\(remote)", "reason": "\(refusal.error.message)",
            ])
            try? await Task.sleep(until: arrived + configuration.refusalDelay, clock: .continuous)
            return .refuse(status: refusal.error.httpStatus, error: refusal.error)
        }
    }

    struct Refusal: Error {
        var error: AudioHookError
        var org: OrgID?
    }

    private func verify(_ request: AudioHookUpgradeRequest)
        -> Result<(AudioHookOrgRegistry.Route, AudioHookVerifiedUpgrade), Refusal> {
        guard let organizationId = request.header("Audiohook-Organization-Id"), !organizationId.isEmpty else {
            return .failure(Refusal(error: .headerMissing("Audiohook-Organization-Id")))
        }
        guard let route = registry.withLock({ $0.route(organizationId) }) else {
            return .failure(Refusal(error: .unknownOrganization(organizationId)))
        }
        let now = signatureClock.now()
        do throws(AudioHookError) {
            let verified = try nonces.withLock { cache throws(AudioHookError) in
                try AudioHookSignature.verify(request, credentials: route.credentials, now: now,
                                              policy: configuration.policy, nonces: &cache)
            }
            return .success((route, verified))
        } catch {
            return .failure(Refusal(error: error, org: route.org))
        }
    }

    // MARK: Sessions

    /// Runs one accepted session over its socket until it ends. Never throws: a session's fault is
    /// logged, reported as its `.ended`, and ends only that session.
    public func run(_ upgrade: AcceptedUpgrade, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        active.add(1, ordering: .relaxed)
        metrics.active.record(activeSessions)
        defer {
            active.subtract(1, ordering: .relaxed)
            metrics.active.record(activeSessions)
        }
        var log = logger
        log[metadataKey: "org"] = "\(upgrade.org)"
        log[metadataKey: "session"] = "\(AudioHookError.quote(upgrade.sessionId))"
        let session = AudioHookSession(upgrade: upgrade, server: self, logger: log)
        await session.run(inbound: inbound, outbound: outbound)
    }
}

/// The server's swift-metrics instruments.
struct AudioHookMetrics: Sendable {
    let factory: any MetricsFactory
    /// `switchboard_audiohook_sessions_active`
    let active: Gauge
    /// `switchboard_audiohook_sessions_opened_total` (probes included)
    let opened: Counter

    init(factory: any MetricsFactory) {
        self.factory = factory
        active = Gauge(label: "switchboard_audiohook_sessions_active", factory: factory)
        opened = Counter(label: "switchboard_audiohook_sessions_opened_total", factory: factory)
    }

    /// `switchboard_audiohook_upgrades_refused_total{code}`
    func refused(code: String) {
        Counter(label: "switchboard_audiohook_upgrades_refused_total", dimensions: [("code", code)], factory: factory).increment()
    }

    /// `switchboard_audiohook_sessions_ended_total{reason}`
    func ended(reason: String) {
        Counter(label: "switchboard_audiohook_sessions_ended_total", dimensions: [("reason", reason)], factory: factory).increment()
    }
}
