import Foundation
import SwitchboardCore

/// Everything that shapes a simulator run. The defaults match the platform (24 h tokens and
/// channels, 30 s heartbeats, 300 requests per minute per token).
public struct SimulatorOptions: Sendable {
    /// A local time of day (`--start-at HH:MM`).
    public struct StartAt: Sendable, Hashable, Codable {
        public var hour: Int
        public var minute: Int
        public init(hour: Int, minute: Int) {
            self.hour = hour
            self.minute = minute
        }
        /// Parses `HH:MM`; nil when it is not one.
        public init?(parsing text: String) {
            let parts = text.split(separator: ":")
            guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h),
                (0..<60).contains(m)
            else { return nil }
            self.init(hour: h, minute: m)
        }
        /// Milliseconds since midnight.
        public var millisecondsSinceMidnight: Int64 { Int64(hour * 3600 + minute * 60) * 1000 }
    }

    /// Number of simulated orgs: `us`, `emea`, `apac`, then `org4`, `org5`, …
    public var orgCount: Int = 3
    /// Agents per org (10 to 5,000 and more).
    public var agentsPerOrg: Int = 50
    /// Routing queues per org. Defaults to `max(2, agents / 25)`, at most 40.
    public var queuesPerOrg: Int? = nil
    /// The workload seed: the same seed gives the same ids, names and event sequence.
    public var seed: UInt64 = 1
    /// Real-time period of the `channel.metadata` "WebSocket Heartbeat".
    public var heartbeatInterval: Duration = .seconds(30)
    /// `expires_in` of issued tokens, in real seconds.
    public var tokenLifetime: Int = 86_400
    /// Real-time lifetime of a notification channel; resubscribing extends it.
    public var channelTTL: Duration = .seconds(86_400)
    /// Per-token request budget per (real) minute.
    public var rateLimitPerMinute: Int = 300
    /// Listen host; also the host of every URL handed out.
    public var host: String = "127.0.0.1"
    /// Listen port; 0 picks a free port (see ``GenesysSimulator/waitUntilListening()``).
    public var port: Int = 9100
    /// Begin with a day already under way: the agents' day began `HH:MM` (business time) before
    /// start-up; that history is visible only through the users aggregates query and the truth.
    public var startAt: StartAt? = nil
    /// Storm mode: extra upstream `activity` events per (real) second across all orgs.
    public var stormEventsPerSecond: Int? = nil
    /// Random faults for soak runs (`--faults random --fault-rate R`): the expected number of faults
    /// per org per simulated hour, of a kind drawn uniformly from ``SimFault/kinds``.
    public var randomFaultRate: Double? = nil
    /// The kinds random faults are drawn from (`--fault-kinds ghost,close`); every kind by default.
    public var randomFaultKinds: [String] = SimFault.kinds
    /// Real time between `v2.system.socket_closing` and the close it announces.
    public var maintenanceCloseGrace: Duration = .seconds(60)
    /// Time zone per org id; orgs not listed use ``defaultTimeZone(for:)``.
    public var timeZones: [String: String] = [:]
    /// Largest WebSocket frame the server accepts or sends in one piece (snapshots can exceed 16 KiB).
    public var maxFrameSize: Int = 1 << 20
    /// Outgoing messages buffered per socket before the socket is judged too slow and closed.
    public var socketBufferMessages: Int = 8192

    /// Share of calls (0…1) whose conversation snapshots exceed 16 KiB (a long customer attribute map),
    /// so clients must allow large frames. Default 0.02.
    public var largeSnapshotRate: Double = 0.02

    /// The conversation details query's pagination cap: a page reaching past this many results is
    /// answered `400 "Pagination may not exceed 100000 results."`, as the platform does. Default 100,000
    /// (tests lower it to exercise interval splitting).
    public var detailsResultCap: Int = 100_000

    /// Permissions each org's OAuth client lacks from the start (org id → permission names), as the
    /// `deny` fault takes them away later: for tests of what a missing role looks like.
    public var deniedPermissions: [String: Set<String>] = [:]

    /// Demo load (`switchboard demo`): a surge on each org's first queue for
    /// three minutes of every ten (waits, a breached service level), and a denser evaluation plan, so every
    /// state of the wall shows within minutes. Off for tests and `simulate` unless asked.
    public var demoLoad = false

    /// When true, the evaluations aggregates query answers any `views` with a 400 (a platform that does
    /// not compute derived evaluation metrics), so tests can check that the bridge falls back. Default false.
    public var refuseEvaluationViews: Bool = false

    /// Share of voice calls (0…1) the AudioHook client monitors once a target is set
    /// (``GenesysSimulator/setAudioHookTarget(url:credentials:)``); chosen by a seeded hash of the conversation id.
    public var audioHookShare: Double = 0.5
    /// How long the AudioHook client waits for `opened` before it gives up (Genesys: 5 s).
    public var audioHookOpenedTimeout: Duration = .seconds(5)
    /// Real time between the AudioHook client's `ping`s.
    public var audioHookPingInterval: Duration = .seconds(5)

    /// Whether the seed Audio Connector follows the calls (discovery and its WebSocket are served either way;
    /// without it no call streams).
    public var seedAudioEnabled: Bool = true
    /// Media regions a discovery names, in turn: the `seed-audio-rotate` fault moves an org to the next one.
    public var seedAudioRegions: [String] = ["us-east-1"]
    /// `expiresIn` of a discovered URI's token, in seconds.
    public var seedAudioTokenLifetime: Int = 3600
    /// An unused connection token older than this is refused (4401) whatever `expiresIn` says.
    public var seedAudioUnusedTokenMaxAge: Duration = .seconds(60)
    /// Subscriptions one seed Audio Connector connection may hold; more get `subscription-limit`.
    public var seedAudioMaxSubscriptionsPerConnection: Int = 4
    /// Share of voice calls (0…1) with audio on the seed Audio Connector, by a seeded hash of the conversation id
    /// (as `audioHookShare`): the rest are not streamed. Every call by default; the demo streams a quarter (each
    /// streamed call costs an Opus encoder in the simulator and a decoder in the bridge, in real time).
    public var seedAudioShare: Double = 1
    /// Share of voice calls (0…1) that are transcribed (docs/simulator.md, "Real-time transcription"), by the same
    /// seeded hash of the conversation id as `audioHookShare`, so a transcribed call is one AudioHook monitors
    /// whenever this share is at most that one: the rest stay quiet on their transcription topic, as calls on a queue
    /// without Genesys transcription do. Every call by default; the demo transcribes a share.
    public var transcriptionShare: Double = 1
    /// Share of Opus packets (0…1) cut into 2–4 fragments.
    public var seedAudioFragmentShare: Double = 0.3
    /// Outgoing messages buffered per seed Audio Connector connection; one that falls this far behind is closed.
    public var seedAudioOutboxMessages: Int = 16384

    /// Whether the calls' audio (AudioHook and the seed Audio Connector) speaks real sentences inside some talk
    /// spurts — keyword phrases and fillers (``SimSpokenCorpus``), rendered by espeak-ng and sox when the simulator
    /// starts — listed per call in the truth (`speech[].spoken`). Off by default; without espeak-ng or sox
    /// ``GenesysSimulator/run()`` fails with `sim.spoken-phrases-unavailable`.
    public var spokenPhrases: Bool = false

    /// Customer journeys (docs/simulator.md, "Customer journeys"): simulated customers over voice, chat,
    /// message, email and callback, their snapshots and detail events, an optional EventBridge push, and the
    /// journeys truth. Nil (default): off.
    public var journeys: SimJourneyOptions? = nil

    public init() {}

    /// The org ids for `count` orgs: `us`, `emea`, `apac`, `org4`, `org5`, …
    public static func orgIDs(count: Int) -> [String] {
        let named = ["us", "emea", "apac"]
        return (0..<max(0, count)).map { $0 < named.count ? named[$0] : "org\($0 + 1)" }
    }

    /// The default time zone of an org: us America/New_York, emea Europe/Berlin, apac Asia/Tokyo, others UTC.
    public static func defaultTimeZone(for org: String) -> String {
        switch org {
        case "us": "America/New_York"
        case "emea": "Europe/Berlin"
        case "apac": "Asia/Tokyo"
        default: "UTC"
        }
    }

    /// The time zone identifier used for `org`.
    public func timeZoneID(for org: String) -> String {
        timeZones[org] ?? SimulatorOptions.defaultTimeZone(for: org)
    }

    /// The effective queue count.
    public var effectiveQueuesPerOrg: Int {
        if let q = queuesPerOrg { return max(1, q) }
        return min(40, max(2, agentsPerOrg / 25))
    }

    /// The OAuth client id org `org` accepts.
    public static func clientID(for org: String) -> String { "\(org)-client" }
    /// The OAuth client secret org `org` accepts.
    public static func clientSecret(for org: String) -> String { "\(org)-secret" }
}
