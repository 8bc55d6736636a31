import AsyncHTTPClient
import GenesysAPI
import Journeys
import Logging
import Normalizer
import ServiceLifecycle
import SwitchboardConfig
import SwitchboardCore

/// One Genesys org's upstream: token lifecycle, notification channel lifecycle, heartbeat
/// watchdog, REST re-sync and reconnects. Emits the org's ``BridgeEvent``s (and its
/// ``ConnectorStatus`` changes) to a ``BridgeEventSink``, and alerts through `onAlert`.
///
/// A `Service`: ``run()`` runs until cancelled (or graceful shutdown), using structured
/// concurrency only. It never throws for upstream trouble: it reports, backs off and retries.
public struct OrgConnector: Service {
    /// Knobs that are not in the orgs YAML.
    public struct Options: Sendable {
        /// REST retry policy (the SDK's by default), fitted to the org's `backoffInitial`/`backoffMax`
        /// (``restPolicy(tunables:)``).
        public var retryPolicy: RetryPolicy = .default
        /// How REST retries wait.
        public var sleeper: Sleeper = realSleeper
        /// Largest WebSocket frame and message accepted. Conversation snapshots exceed the client's
        /// 16 KiB default, which would drop the connection silently. Default 4 MiB.
        public var maxFrameSize: Int = 4 << 20
        /// Topics per channel (platform cap 1,000).
        public var topicsPerChannel: Int = 1000
        /// How often the session checks the watchdog and rollover. Default 1 s (less when the
        /// heartbeat timeout is short).
        public var tickInterval: Duration = .seconds(1)
        /// Filter chunk for analytics queries.
        public var analyticsChunk: Int = 100
        /// Users details (history) queries a re-sync keeps in flight at once, one chunk of users each. A re-sync
        /// holds the org's live events until its history is in, and at 5,000 users that is 50 queries: one at a
        /// time they took ≈ 10 s of the recovery on their round trips alone. Default 4.
        public var historyQueriesInFlight: Int = 4
        /// Poll utilization by 30-minute interval (docs/utilization.md). Default true.
        public var utilization: Bool = true
        /// Poll quality scores (docs/quality.md). Default true.
        public var quality: Bool = true
        /// Poll queue service figures: offered, answered, abandoned, service level (docs/queues.md). Default true.
        public var queueService: Bool = true
        /// Re-read the users and queues directories this often (business time) so renamed agents and
        /// queues update in place between re-syncs (docs/quality.md, "names"); zero disables. Default 15 min.
        public var directoryRefreshInterval: Duration = .seconds(15 * 60)
        /// What a restart's store already holds for an org (docs/store.md, "Restart"); asked once, at the
        /// connector's first re-sync. Default: nothing (a cold start).
        public var warmStart: @Sendable (OrgID) async -> WarmStart? = { _ in nil }
        /// Today's utilization a restart's store holds for an org (docs/store.md, "Restart"): the poller starts
        /// from it and does not fetch its closed intervals again. Asked once, when the poller starts.
        public var utilizationSeed: @Sendable (OrgID) async -> UtilizationSeed? = { _ in nil }
        /// Called with the org's Genesys organization id (`GET /api/v2/organizations/me`), asked once per
        /// connector start for orgs with an `audio:` section (AudioHook routes upgrades by it). Default: not asked.
        public var onOrganization: (@Sendable (OrgID, String) -> Void)? = nil
        /// Runs a `protocol: seed` org's Audio Connector client (an org with `audio:`; docs/audio.md, "The seed Audio
        /// Connector") as a child task of the connector, with the org's configuration and REST client (so it shares
        /// the token lifecycle). It is cancelled when the connector stops. The composition root sets it (the
        /// Connector target knows nothing of the Audio Connector). Default: not run.
        public var seedAudio: (@Sendable (SeedAudioContext) async -> Void)? = nil
        /// Jitter source for backoff (tests pin it).
        public var random: @Sendable () -> Double = { Double.random(in: 0..<1) }
        /// Where Genesys real-time transcription goes (docs/speech-text.md): with a sink, orgs with
        /// `speechText.transcription` subscribe `v2.conversations.{id}.transcription` for their live voice calls.
        public var transcripts: (any TranscriptSink)? = nil
        /// How transcription topics are placed (channels per client, batching, linger); its `topicsPerChannel` is
        /// taken from ``topicsPerChannel``.
        public var transcription = TranscriptionTopicStateMachine.Configuration()
        /// Where customer-journey events go (docs/journeys.md): with a sink, orgs with a `journeys:` section
        /// subscribe `v2.routing.queues.{id}.conversations` for their watched queues, and the snapshots (and any
        /// detail event the socket delivers) arrive here as ``Journeys/JourneyEvent``s.
        public var journeys: (any JourneyEventSink)? = nil
        /// Runs a `protocol: seed` org's journey event stream client (an org with `journeys:` while ``journeys`` is
        /// set; docs/journeys.md, "The seed's event stream") as a child task of the connector: for such an org the
        /// stream is the journey source instead of the queue conversation topics. The composition root sets it.
        /// Default: not run (a seed org's journeys then come from the conversation topics).
        public var seedEventStream: (@Sendable (SeedEventStreamContext) async -> Void)? = nil
        public init() {}
    }

    public let org: OrgConfig
    let productivePresences: Set<SystemPresence>
    let http: HTTPClient
    let sink: any BridgeEventSink
    let onAlert: @Sendable (StreamAlert) -> Void
    let observer: any ConnectorObserver
    let clock: any WallClock
    let options: Options
    let logger: Logger
    let state: ConnectorState

    /// - Parameters:
    ///   - org: the org's configuration.
    ///   - productivePresences: for the users-aggregates baseline (`occupancy.productivePresences`).
    ///   - http: the process-wide HTTP client.
    ///   - sink: the views engine.
    ///   - clock: business time (shared with the views; the simulator's in tests).
    ///   - onAlert: upstream-stale / -disconnected / -recovered, auth-failed, token-renewal-failed and token-renewed
    ///     alerts.
    public init(org: OrgConfig, productivePresences: Set<SystemPresence> = [.onQueue, .available],
                http: HTTPClient, sink: any BridgeEventSink, clock: any WallClock = SystemClock(),
                observer: any ConnectorObserver = NoConnectorObserver(),
                options: Options = Options(), logger: Logger? = nil,
                onAlert: @escaping @Sendable (StreamAlert) -> Void = { _ in }) {
        self.org = org
        self.productivePresences = productivePresences
        self.http = http
        self.sink = sink
        self.onAlert = onAlert
        self.observer = observer
        self.clock = clock
        self.options = options
        self.logger = logger ?? Logger.switchboard("connector", org: org.id)
        var transcription = options.transcription
        transcription.topicsPerChannel = options.topicsPerChannel
        self.state = ConnectorState(org: org.id, at: clock.now(), transcription: TranscriptionTopics(
            configuration: transcription, enabled: options.transcripts != nil && org.speechText?.transcription == true))
    }

    /// The connector's current status (for /readyz).
    public var status: ConnectorStatus { state.status }

    public func run() async throws {
        let t = org.tunables
        let tokens = TokenManager(
            margin: t.tokenRefreshMargin,
            retry: Backoff(initial: t.backoffInitial, cap: t.backoffMax, jitter: t.backoffJitter,
                           resetAfter: t.backoffResetAfter, random: options.random),
            logger: logger,
            fetch: { [http, org, logger] in
                try await OAuthClient(http: http, loginBase: org.loginBase, clientID: org.clientId,
                                      clientSecret: org.clientSecret, timeout: t.requestTimeout, logger: logger).fetchToken()
            },
            onEvent: { [self] event in await tokenEvent(event) })
        let rest = GenesysRESTClient(http: http, apiBase: org.apiBase, tokens: tokens, policy: restPolicy(tunables: t),
                                     sleeper: options.sleeper, timeout: t.requestTimeout, logger: logger,
                                     onRetry: { [self] notice in await retrying(notice) },
                                     onResponse: { [observer, org] r in
                                         observer.restResponse(org: org.id, status: r.status, budgetRemaining: r.budgetRemaining)
                                     })
        state.box.withLock { $0.rest = rest }
        defer { state.box.withLock { $0.rest = nil } }
        logger.info("connector starting", metadata: ["apiBase": "\(org.apiBase)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await tokens.run() }
            group.addTask { await self.connectionLoop(rest: rest, tokens: tokens) }
            if let onOrganization = options.onOrganization, org.audio != nil {
                group.addTask { await self.learnOrganization(rest: rest, report: onOrganization) }
            }
            if let seedAudio = options.seedAudio, org.upstreamProtocol == .seed, org.seedAudio != nil {
                group.addTask {
                    await seedAudio(SeedAudioContext(org: org, rest: rest,
                                                     reportRegion: { [self] region in await self.audioRegion(region) }))
                    // The group ends when its first task does: stay until cancelled.
                    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                }
            }
            if usesSeedEventStream, let run = options.seedEventStream, let journeys = options.journeys {
                group.addTask {
                    await run(SeedEventStreamContext(
                        org: org, rest: rest, journeys: journeys,
                        reportProblem: { [self] text in await self.problem(Self.eventStreamProblemFeature, text, log: false) },
                        alert: { [self] kind, message in self.alert(kind, message) }))
                    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                }
            }
            if options.quality {
                group.addTask {
                    await QualityPoller(org: org, rest: rest, sink: sink, clock: clock, tick: options.tickInterval,
                                        logger: logger, observer: observer, trigger: state.qualityTrigger,
                                        reportProblem: { await self.problem($0, $1) }).run()
                }
            }
            if options.directoryRefreshInterval > .zero {
                group.addTask {
                    await DirectoryPoller(org: org, rest: rest, sink: sink, clock: clock,
                                          every: options.directoryRefreshInterval, tick: options.tickInterval,
                                          logger: logger, ready: { [state] in state.box.value.users != nil },
                                          reportProblem: { await self.problem($0, $1) }).run()
                }
            }
            if options.utilization {
                group.addTask {
                    await UtilizationPoller(org: org, rest: rest, sink: sink, clock: clock,
                                            chunk: options.analyticsChunk, tick: options.tickInterval,
                                            logger: logger, observer: observer, users: { [state] in state.box.value.users },
                                            queues: { [state] in state.box.value.queues },
                                            reportProblem: { await self.problem($0, $1) }).run(
                        seed: await options.utilizationSeed(org.id))
                }
            }
            if options.queueService {
                group.addTask {
                    await QueueServicePoller(org: org, rest: rest, sink: sink, clock: clock, chunk: options.analyticsChunk,
                                             tick: options.tickInterval, logger: logger, observer: observer,
                                             queues: { [state] in state.box.value.queues }).run()
                }
            }
            _ = await group.next()
            group.cancelAll()
        }
        await report(.disconnected, detail: "stopped")
        logger.info("connector stopped")
    }

    /// The feature name of the seed event stream's problem (`ConnectorStatus.problems`).
    public static let eventStreamProblemFeature = "eventstream"

    /// A `protocol: seed` org with journeys whose journey source is the seed's event stream (not the queue
    /// conversation topics).
    var usesSeedEventStream: Bool {
        org.upstreamProtocol == .seed && org.journeys != nil && options.journeys != nil && options.seedEventStream != nil
    }

    /// The REST retry policy for this org: ``Options/retryPolicy`` with its 5xx ladder scaled by
    /// `backoffInitial` and capped at `backoffMax`, so an org tuned to recover fast is not held for 27 s.
    func restPolicy(tunables t: OrgTunables) -> RetryPolicy {
        options.retryPolicy.fitted(initial: t.backoffInitial, cap: t.backoffMax)
    }

    // MARK: the connection loop

    private func connectionLoop(rest: GenesysRESTClient, tokens: TokenManager) async {
        let t = org.tunables
        var machine = ChannelStateMachine(
            topicsPerChannel: options.topicsPerChannel, rolloverBefore: t.channelRolloverBefore,
            backoff: Backoff(initial: t.backoffInitial, cap: t.backoffMax, jitter: t.backoffJitter,
                             resetAfter: t.backoffResetAfter, random: options.random))
        var topics: [String]?
        // The Notification API has no replay: every session, including the first, re-syncs once its sockets are
        // open (ChannelStateMachine.socketsOpened), holding their events meanwhile. Before the first session only
        // the directory's ids are read, to know the topics (discoverTopics); a full re-sync runs before a socket
        // only while none has ever opened, so an org whose sockets are refused still shows its REST baseline.
        var baselined = false
        var adopted = false
        var alerted = false
        var failedAttempts = 0
        await report(.connecting, detail: "starting")
        while !Task.isCancelled {
            do {
                if topics == nil {
                    topics = try await discoverTopics(rest: rest)
                }
                if !adopted {
                    // Reuse a channel a previous run of this client left, instead of creating one.
                    adopted = true
                    if let existing = try? await rest.listChannels(), !existing.isEmpty {
                        machine.adopt(existing.map(ChannelStateMachine.Channel.init))
                    }
                }
                let channels = try await prepare(&machine, topics: topics ?? [], rest: rest)
                let outcome = await runSession(channels: channels, machine: &machine, rest: rest, alerted: &alerted,
                                               baselined: baselined)
                // Only the first session starts from a restart's stored totals (a later gap re-reads the platform).
                state.box.withLock { $0.warmStart = nil }
                // Stopping (graceful shutdown, a removed org) closes the socket: not a failure, nothing to report.
                if Task.isCancelled { break }
                if let fresh = outcome.topics {
                    topics = fresh
                    baselined = true
                } else if !baselined, outcome.end == .connectFailed {
                    baselined = await baselineWithoutSocket(rest: rest, topics: &topics)
                }
                let recovery = machine.sessionEnded(outcome.end, channel: outcome.channel, uptime: outcome.uptime)
                observer.reconnecting(org: org.id, reason: "\(outcome.end)")
                logger.warning("session ended", metadata: ["reason": "\(outcome.end)", "uptime": "\(outcome.uptime.shortText)",
                                                           "retryIn": "\(recovery.delay.shortText)"])
                switch outcome.end {
                case .stale:
                    var why = switch outcome.verdict {
                    case .unansweredPings(let n)?:
                        "nothing for \(t.pingAfterQuiet.shortText) and \(n) pings unanswered (\(t.pingTimeout.shortText) each)"
                    default: "no heartbeat or message for \(t.heartbeatTimeout.shortText)"
                    }
                    if outcome.sockets > 1 { why += " on 1 of the org's \(outcome.sockets) sockets" }
                    await report(.stale, detail: "\(why); reconnecting, then re-syncing")
                    alert(.upstreamStale, "\(why); figures may be stale, reconnecting")
                    alerted = true
                case .socketClosing:
                    await report(.connecting, detail: "platform closing the socket (maintenance); reconnecting")
                case .closed where recovery.delay == .zero:
                    // A healthy socket dropped (a moved channel, a network blip): back in about a second, and the
                    // re-sync after it covers the gap. Only a failing reconnect is shown as an outage.
                    await report(.connecting, detail: "socket closed; reconnecting")
                default:
                    await report(.disconnected, detail: "\(outcome.end); reconnecting in \(recovery.delay.shortText)")
                    if !alerted {
                        alert(.upstreamDisconnected, "upstream connection lost (\(outcome.end)); reconnecting")
                        alerted = true
                    }
                }
                if recovery.renewToken { _ = try? await tokens.renewNow() }
                if recovery.delay > .zero { try await Task.sleep(for: recovery.delay) }
                failedAttempts = 0
            } catch is CancellationError {
                break
            } catch {
                if Task.isCancelled { break }
                let delay = machine.preparationFailed()
                let code = (error as? any CodedError)?.code ?? "connector.error"
                failedAttempts += 1
                logger.error("connect failed", metadata: ["error": "\(error)", "retryIn": "\(delay.shortText)"])
                if !baselined, topics != nil { baselined = await baselineWithoutSocket(rest: rest, topics: &topics) }
                await report(.disconnected, detail: "\(code): attempt \(failedAttempts) failed; retrying in \(delay.shortText)")
                if !alerted && code != "genesys.auth-failed" {
                    alert(.upstreamDisconnected, "cannot reach the platform (\(code)); retrying")
                    alerted = true
                }
                try? await Task.sleep(for: delay)
                // The text above would be stale once the wait is over: say what is happening now.
                if !Task.isCancelled {
                    await report(.disconnected, detail: "\(code): attempt \(failedAttempts + 1) under way")
                }
            }
        }
    }

    /// Runs the channel machine's preparation steps: reuse, verify, create, subscribe.
    private func prepare(_ machine: inout ChannelStateMachine, topics: [String],
                         rest: GenesysRESTClient) async throws -> [ChannelStateMachine.Channel] {
        let spare = state.transcription.box.value.machine.extraChannelsWanted(staticTopics: topics.count)
        var action = machine.prepare(topics: topics, spare: spare)
        var refusedTopics: [ChannelTopic] = []
        var subscribed = false
        while true {
            try Task.checkCancellation()
            switch action {
            case .verify(let c):
                action = machine.verified(c, alive: try await rest.channelExists(c.id))
            case .refresh(let c):
                let listed = try await rest.listChannels().first { $0.id == c.id }
                action = machine.refreshed(c, found: listed.map(ChannelStateMachine.Channel.init))
            case .create:
                let c = try await rest.createChannel()
                logger.info("channel created", metadata: ["channel": "\(Redaction.shortHash(c.id))", "expires": "\(c.expires ?? "-")"])
                action = machine.created(.init(c))
            case .subscribe(let c, let batch):
                let result = try await rest.replaceSubscriptions(channel: c.id, topics: batch)
                let rejected = result.filter { $0.state == "Rejected" }
                if !rejected.isEmpty {
                    logger.warning("topics rejected", metadata: ["count": "\(rejected.count)",
                                                                 "first": "\(rejected[0].id): \(rejected[0].rejectionReason ?? "-")"])
                }
                refusedTopics += rejected
                subscribed = true
                action = machine.subscribed(c)
            case .connect(let channels):
                state.box.withLock { $0.channelIDs = channels.map(\.id) }
                if subscribed { await problem("notifications", ConnectorProblem.rejectedTopics(refusedTopics)) }
                return channels
            }
        }
    }

    // MARK: reporting

    func report(_ status: OrgStatus, detail: String?) async {
        let now = clock.now()
        let s: ConnectorStatus = state.box.withLock {
            // The connection loop's word replaces a status the token lifecycle set (OrgConnector+Token).
            $0.tokenHold = nil
            $0.status.status = status
            $0.status.at = now
            $0.status.detail = detail
            return $0.status
        }
        observer.connectorStatus(s)
        await sink.ingest(org: org.id, events: [.connector(s)])
    }

    /// A REST call is about to wait in its retry ladder: while the org is not open, its status text says so
    /// (`GET /api/v2/users: HTTP 503, retry 2 of 3 in 9s`) instead of keeping an earlier "retrying in …".
    func retrying(_ notice: RetryNotice) async {
        // Not while the token lifecycle holds the status (no usable token): its text says more, and it restores it.
        guard state.status.status != .open, state.box.value.tokenHold == nil else { return }
        await report(state.status.status, detail: notice.description)
    }

    /// Records (or, with nil, clears) a feature that does not work although the connector is up; the org
    /// card and `/readyz` show it. Nothing is sent when it did not change. `log` false: the caller logs.
    func problem(_ feature: String, _ message: String?, log: Bool = true) async {
        let s: ConnectorStatus? = state.box.withLock { v in
            guard v.status.problems[feature] != message else { return nil }
            v.status.problems[feature] = message
            return v.status
        }
        guard let s else { return }
        if log, let message {
            logger.warning("feature unavailable", metadata: ["feature": "\(feature)", "why": "\(message)"])
        } else if log {
            logger.notice("feature available again", metadata: ["feature": "\(feature)"])
        }
        observer.connectorStatus(s)
        await sink.ingest(org: org.id, events: [.connector(s)])
    }

    /// Records (or, with nil, clears) how far behind the platform the org's readers are (``ConnectorStatus/behindSeconds``);
    /// nothing is sent when it did not change.
    func behind(_ seconds: Int?) async {
        await amend(\.behindSeconds, to: seconds)
    }

    /// Records the org's Audio Connector media region on its status (the org card and `/readyz` show it).
    func audioRegion(_ region: String) async {
        await amend(\.audioRegion, to: region)
    }

    /// Sets one field of the status and sends the status on, when the value is new.
    private func amend<T: Equatable>(_ field: WritableKeyPath<ConnectorStatus, T>, to value: T) async {
        let s: ConnectorStatus? = state.box.withLock { v in
            guard v.status[keyPath: field] != value else { return nil }
            v.status[keyPath: field] = value
            return v.status
        }
        guard let s else { return }
        observer.connectorStatus(s)
        await sink.ingest(org: org.id, events: [.connector(s)])
    }

    func alert(_ kind: StreamAlert.Kind, _ message: String) {
        onAlert(StreamAlert(kind: kind, org: org.id, since: clock.now(), message: message))
    }

    /// Asks for the org's Genesys organization id once (the REST client waits for a token and retries);
    /// a failure is logged, and AudioHook upgrades of the org stay refused unless the YAML names the id.
    private func learnOrganization(rest: GenesysRESTClient, report: @Sendable (OrgID, String) -> Void) async {
        do {
            let organization = try await rest.organization()
            logger.info("organization learned", metadata: ["organizationId": "\(organization.id)"])
            report(org.id, organization.id)
        } catch is CancellationError {
        } catch {
            logger.warning("""
                could not read the organization id (GET /api/v2/organizations/me); AudioHook sessions of this org \
                are refused unless its audio.organizationId is configured
                """, metadata: ["error": "\(error)"])
        }
        // The group ends when its first task does: stay until cancelled.
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }
}
