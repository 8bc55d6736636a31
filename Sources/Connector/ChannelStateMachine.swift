import GenesysAPI
import SwitchboardCore

/// The Notification API channel lifecycle as a pure state machine.
///
/// - One channel per org, reused across reconnects while `HEAD` says it lives; a new channel is
///   created only when the old one is gone (20 per client is the platform cap, and creating a 21st
///   evicts the oldest), or when the topics need more than one channel (1,000 topics each).
/// - Make-before-break rollover ahead of the 24 h expiry: a replacement channel is created,
///   subscribed and connected before the old socket is closed.
/// - How a session ended decides the next step: `socket_closing` reconnects at once,
///   `no_longer_subscribed` forgets the channel, `token_revoked` renews the token first, a stale
///   watchdog or a closed socket reconnects at once (backing off only if the last session was short), anything
///   else backs off (1 s doubling to 60 s, with jitter).
/// - Reconnect, then re-sync: every session re-syncs over REST once its sockets are open (the Notification
///   API has no replay), holding the sockets' events meanwhile and applying them on top of the baseline in
///   event-time order (``socketsOpened()``, ``resyncEnded()``; docs/connector.md, "Reconnect, then re-sync").
///
/// Times are wall-clock epoch milliseconds (the clock the platform's `expires` is on).
public struct ChannelStateMachine: Sendable {
    /// A channel as the connector knows it.
    public struct Channel: Sendable, Equatable {
        public var id: String
        public var connectUri: String
        public var expiresAt: EpochMillis?
        public init(id: String, connectUri: String, expiresAt: EpochMillis?) {
            self.id = id
            self.connectUri = connectUri
            self.expiresAt = expiresAt
        }
        public init(_ c: NotificationChannel) {
            self.init(id: c.id, connectUri: c.connectUri, expiresAt: c.expires.flatMap(Timestamp.parse))
        }
    }

    /// The preparation steps, executed by the owner one at a time.
    public enum Action: Sendable, Equatable {
        /// `HEAD` the channel, then call ``verified(_:alive:)``.
        case verify(Channel)
        /// The channel's socket would not open: look it up in the channel listing (its
        /// `connectUri` may have moved), then call ``refreshed(_:found:)``.
        case refresh(Channel)
        /// `POST` a new channel, then call ``created(_:)``.
        case create
        /// `PUT` these topics on the channel, then call ``subscribed(_:)``.
        case subscribe(Channel, topics: [String])
        /// Everything is ready: open one socket per channel.
        case connect([Channel])
    }

    /// How a socket session ended.
    public enum SessionEnd: Sendable, Equatable {
        /// `v2.system.socket_closing` (maintenance): reconnect at once.
        case socketClosing
        /// `v2.system.no_longer_subscribed` (evicted or expired).
        case noLongerSubscribed
        /// `v2.system.token_revoked`.
        case tokenRevoked
        /// The watchdog fired.
        case stale
        /// The socket closed or failed.
        case closed
        /// The upgrade to the channel's `connectUri` failed.
        case connectFailed
    }

    /// What to do after a session ended. Never a re-sync first: the re-sync runs once the new sockets are open
    /// (``socketsOpened()``), so what happens meanwhile is on the socket (seed 000 re-synced before reopening;
    /// docs/connector.md says why this is reversed).
    public struct Recovery: Sendable, Equatable {
        /// Wait this long before preparing again.
        public var delay: Duration
        /// Renew the token before anything else.
        public var renewToken: Bool
        public init(delay: Duration, renewToken: Bool) {
            self.delay = delay
            self.renewToken = renewToken
        }
    }

    /// The steps of a session once its sockets are open, in order.
    public enum SessionStep: Sendable, Equatable {
        /// Hold the sockets' events from now on (kept in arrival order, not applied yet).
        case holdEvents
        /// Run the REST re-sync; its baseline goes to the views as it is read. Then call ``resyncEnded()``.
        case startResync
        /// The baseline is in (or the re-sync failed): apply the held events on top of it in event-time order,
        /// then let the sockets' events through again.
        case applyHeldOnBaseline
    }

    /// Where the session's re-sync is.
    public enum ResyncPhase: Sendable, Equatable {
        /// No session open yet (preparing, or between sessions).
        case closed
        /// Sockets open, re-sync under way, events held.
        case holding
        /// Re-sync over; events flow straight through.
        case live
    }

    public let topicsPerChannel: Int
    public let rolloverBefore: Duration
    /// Known channels, one per topic batch, in batch order.
    public private(set) var channels: [Channel] = []
    private var suspect: Set<String> = []
    private var batches: [[String]] = []
    private var index = 0
    private var ready: [Channel] = []
    private var backoff: Backoff
    /// Replacements being prepared by a rollover, keyed by the channel they replace.
    public private(set) var replacements: [String: Channel] = [:]
    /// How many of the prepared batches hold the static topics; the channels after them are spare (they carry
    /// only transcription topics, docs/speech-text.md).
    public private(set) var staticBatchCount = 1
    /// Where the current session's re-sync is.
    public private(set) var resyncPhase: ResyncPhase = .closed

    public init(topicsPerChannel: Int = 1000, rolloverBefore: Duration = .seconds(3600), backoff: Backoff = Backoff()) {
        precondition(topicsPerChannel > 0)
        self.topicsPerChannel = topicsPerChannel
        self.rolloverBefore = rolloverBefore
        self.backoff = backoff
    }

    /// Splits topics into batches of at most `perChannel`.
    public static func batches(_ topics: [String], perChannel: Int) -> [[String]] {
        stride(from: 0, to: topics.count, by: perChannel).map { Array(topics[$0..<min($0 + perChannel, topics.count)]) }
    }

    /// Channels a previous run left behind (from the listing), to reuse instead of creating new ones.
    public mutating func adopt(_ existing: [Channel]) {
        if channels.isEmpty { channels = existing.sorted { ($0.expiresAt ?? 0) > ($1.expiresAt ?? 0) } }
    }

    /// Starts (or restarts) preparation for `topics`: reuse, verify, create and subscribe channels; `spare`
    /// more channels are prepared with no topic (for the transcription topics the owner adds once they are open).
    public mutating func prepare(topics: [String], spare: Int = 0) -> Action {
        batches = Self.batches(topics, perChannel: topicsPerChannel)
        if batches.isEmpty { batches = [[]] }
        staticBatchCount = batches.count
        batches += Array(repeating: [], count: max(0, spare))
        index = 0
        ready = []
        resyncPhase = .closed
        return step()
    }

    private mutating func step() -> Action {
        guard index < batches.count else {
            // Channels beyond what the topics need are left to expire.
            channels = ready
            return .connect(ready)
        }
        if index < channels.count {
            let c = channels[index]
            return suspect.contains(c.id) ? .refresh(c) : .verify(c)
        }
        return .create
    }

    /// Result of ``Action/verify(_:)``.
    public mutating func verified(_ channel: Channel, alive: Bool) -> Action {
        if alive { return .subscribe(channel, topics: batches[index]) }
        channels.removeAll { $0.id == channel.id }
        return step()
    }

    /// Result of ``Action/refresh(_:)``: the listing's entry for the channel, if any.
    public mutating func refreshed(_ channel: Channel, found: Channel?) -> Action {
        suspect.remove(channel.id)
        if let found, found.connectUri != channel.connectUri {
            if let i = channels.firstIndex(where: { $0.id == channel.id }) { channels[i] = found }
            return .verify(found)
        }
        // Not listed, or listed unchanged but unreachable: give up on it.
        channels.removeAll { $0.id == channel.id }
        return step()
    }

    /// Result of ``Action/create``.
    public mutating func created(_ channel: Channel) -> Action {
        if index < channels.count { channels.insert(channel, at: index) } else { channels.append(channel) }
        return .subscribe(channel, topics: batches[index])
    }

    /// Result of ``Action/subscribe(_:topics:)``.
    public mutating func subscribed(_ channel: Channel) -> Action {
        ready.append(channel)
        index += 1
        return step()
    }

    /// A spare channel created during a session (for transcription topics): kept, verified and reused like the
    /// others until the next preparation decides how many spares it needs.
    public mutating func addSpare(_ channel: Channel) {
        guard !channels.contains(where: { $0.id == channel.id }) else { return }
        channels.append(channel)
        batches.append([])
    }

    /// The channels carrying static topics (the first ``staticBatchCount``), with their topics.
    public var staticChannels: [(id: String, topics: [String])] {
        channels.prefix(staticBatchCount).map { ($0.id, topics(of: $0.id)) }
    }

    /// The spare channels (after the static ones).
    public var spareChannels: [String] { channels.dropFirst(staticBatchCount).map(\.id) }

    /// A session ended after `uptime` of being open (zero when it never opened).
    public mutating func sessionEnded(_ end: SessionEnd, channel: String?, uptime: Duration) -> Recovery {
        backoff.connectionEnded(uptime: uptime)
        replacements = [:]
        resyncPhase = .closed
        switch end {
        case .socketClosing:
            return Recovery(delay: .zero, renewToken: false)
        case .noLongerSubscribed:
            if let channel { channels.removeAll { $0.id == channel } } else { channels = [] }
            return Recovery(delay: backoff.nextDelay(), renewToken: false)
        case .tokenRevoked:
            return Recovery(delay: backoff.nextDelay(), renewToken: true)
        case .stale, .closed:
            // The wall is wrong until a new socket is up: after a healthy session reconnect at once (the failure
            // still counts, so another one right after this reconnect waits the backoff).
            let first = backoff.failures == 0
            let delay = backoff.nextDelay()
            return Recovery(delay: first ? .zero : delay, renewToken: false)
        case .connectFailed:
            if let channel { suspect.insert(channel) }
            return Recovery(delay: backoff.nextDelay(), renewToken: false)
        }
    }

    /// Every socket of the session is open: hold their events and re-sync.
    public mutating func socketsOpened() -> [SessionStep] {
        guard resyncPhase == .closed else { return [] }
        resyncPhase = .holding
        return [.holdEvents, .startResync]
    }

    /// The session's re-sync is over (done or failed): apply what was held.
    public mutating func resyncEnded() -> [SessionStep] {
        guard resyncPhase == .holding else { return [] }
        resyncPhase = .live
        return [.applyHeldOnBaseline]
    }

    /// Preparation failed (REST error): how long to wait before trying again.
    public mutating func preparationFailed() -> Duration { backoff.nextDelay() }

    // MARK: rollover

    /// Channels due for rollover at `now` that have no replacement under way.
    public func dueForRollover(now: EpochMillis) -> [Channel] {
        channels.filter { c in
            guard let exp = c.expiresAt, replacements[c.id] == nil else { return false }
            return now >= exp - rolloverBefore.milliseconds
        }
    }

    /// The topics a channel carries (for subscribing its replacement).
    public func topics(of channelID: String) -> [String] {
        guard let i = channels.firstIndex(where: { $0.id == channelID }), i < batches.count else { return [] }
        return batches[i]
    }

    /// A replacement for `old` was created and subscribed: connect it, then close `old` once it opens.
    public mutating func replacementReady(for old: String, _ new: Channel) {
        replacements[old] = new
    }

    /// The replacement's socket opened: swap it in. Returns the channel whose socket to close.
    public mutating func replacementOpened(_ new: String) -> String? {
        guard let (old, c) = replacements.first(where: { $0.value.id == new }) else { return nil }
        replacements[old] = nil
        if let i = channels.firstIndex(where: { $0.id == old }) { channels[i] = c }
        return old
    }
}
