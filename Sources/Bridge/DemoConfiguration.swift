import Foundation
import Simulator
import SwitchboardConfig
import SwitchboardCore

/// The configuration `switchboard demo` runs the bridge with: one org per simulated org, pointed at the
/// simulator, and the demo tokens of SPEC §2.
public enum DemoConfiguration {
    /// Display names of the well-known simulated orgs.
    static let names = ["us": "US", "emea": "EMEA", "apac": "APAC"]

    /// - Parameters:
    ///   - simulatorBase: the simulator's base URL (`http://127.0.0.1:9100`).
    ///   - options: the simulator's options (org ids, time zones, heartbeat period).
    ///   - listen: the bridge's listen address.
    ///   - store: where history is kept (default: nowhere).
    ///   - audio: each org's AudioHook credentials (``audioCredentials(simulator:)``); orgs without get no `audio:`.
    ///   - seedOrgs: orgs that speak the seed protocol (`protocol: seed`) and take their audio from the seed
    ///     Audio Connector (all queues, both directions, 16 kHz) instead of AudioHook.
    ///   - speechText: each org's `speechText:` section (``speechText(orgs:)``); orgs without get none.
    ///   - journeys: each org's `journeys:` section (``journeys(orgs:simulator:)``); orgs without get none.
    ///   - journeySalt: the deployment's `journeys.salt` (``journeySalt()``); nil: the bridge's random one.
    public static func make(simulatorBase: String, options: SimulatorOptions, listen: ListenAddress,
                            notice: String? = nil, store: StoreConfig = .none,
                            audio: [String: SimAudioHookCredentials] = [:],
                            seedOrgs: Set<String> = [],
                            speechText: [String: SpeechTextConfig] = [:],
                            journeys: [String: OrgJourneysConfig] = [:],
                            journeySalt: Secret? = nil) -> SwitchboardConfiguration
    {
        var server = ServerConfig()
        server.listen = listen
        server.notice = notice
        var auth = AuthConfig()
        let orgIDs = SimulatorOptions.orgIDs(count: options.orgCount)
        auth.clients = demoTokens(orgs: orgIDs).map { ClientConfig(name: $0.token, token: Secret($0.token), scopes: $0.scopes) }
        let heartbeat = Double(options.heartbeatInterval.components.seconds)
            + Double(options.heartbeatInterval.components.attoseconds) / 1e18
        let orgs = orgIDs.map { id -> OrgConfig in
            var tunables = OrgTunables()
            // Two missed heartbeats (plus slack) mean stale; never later than the platform-default 65 s.
            tunables.heartbeatTimeout = .milliseconds(Int64(min(65, heartbeat * 2 + 5) * 1000))
            // Probe after a quiet spell no longer than the default (8 s), pings answered within 3 s (docs/connector.md).
            tunables.pingAfterQuiet = .milliseconds(Int64(min(8, heartbeat + 2) * 1000))
            let seed = seedOrgs.contains(id)
            return OrgConfig(
                id: OrgID(id), name: names[id] ?? id.uppercased(), apiBase: simulatorBase, loginBase: simulatorBase,
                clientId: SimulatorOptions.clientID(for: id), clientSecret: Secret(SimulatorOptions.clientSecret(for: id)),
                timezone: TimeZone(identifier: options.timeZoneID(for: id)) ?? TimeZone(identifier: "UTC")!,
                upstreamProtocol: seed ? .seed : .genesys,
                tunables: tunables,
                audio: seed ? nil : audio[id].map { AudioConfig(organizationId: $0.organizationId, apiKey: $0.apiKey, clientSecret: $0.clientSecret) },
                seedAudio: seed ? SeedAudioConfig() : nil,
                speechText: speechText[id], journeys: journeys[id])
        }
        var config = SwitchboardConfiguration(server: server, auth: auth, occupancy: OccupancyConfig(), orgs: orgs)
        config.store = store
        config.journeys.salt = journeySalt
        return config
    }

    /// The demo's customer journeys (docs/journeys.md) on the simulator's side: customers over voice, chat,
    /// message, email and callback in every org, 300 new ones per simulated hour (with their returns, a few
    /// dozen of them open per org at the demo's defaults, beside the voice workload's callers: one journey a call),
    /// with the platform's default five-minute session timeout and idle grace.
    public static func simulatorJourneys() -> SimJourneyOptions {
        var j = SimJourneyOptions()
        j.customersPerHour = 300
        return j
    }

    /// The demo's `journeys:` sections: every org of `simulator`'s options, national numbers read in the simulated
    /// org's country (`GET /api/v2/organizations/me`), its timeouts, and customers shown as salted hashes.
    public static func journeys(orgs: [String], simulator: SimJourneyOptions) -> [String: OrgJourneysConfig] {
        var out: [String: OrgJourneysConfig] = [:]
        for id in orgs where simulator.covers(id) {
            out[id] = OrgJourneysConfig(defaultCountry: GenesysSimulator.locale(of: id).country,
                                        sessionTimeout: .milliseconds(simulator.sessionTimeout),
                                        idleGrace: .milliseconds(simulator.idleGrace), showCustomer: .hashed)
        }
        return out
    }

    /// A fresh `journeys.salt` for this run (32 hex digits): hashed customer keys stay the same while the demo
    /// runs, so a hash copied from the dashboard finds its journey in a search.
    public static func journeySalt() -> Secret {
        var rng = SystemRandomNumberGenerator()
        return Secret((0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined())
    }

    /// Fresh AudioHook Monitor credentials for every simulated org, made for this run: a random API key and a
    /// random 32-byte client secret (base64), with the org's simulated organization id. The demo gives them to
    /// both the bridge's `audio:` sections and the simulator's AudioHook client.
    public static func audioCredentials(simulator: GenesysSimulator) -> [String: SimAudioHookCredentials] {
        var rng = SystemRandomNumberGenerator()
        func random(_ n: Int) -> Data { Data((0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }) }
        var out: [String: SimAudioHookCredentials] = [:]
        for org in simulator.orgIDs {
            let apiKey = random(24).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            out[org] = SimAudioHookCredentials(apiKey: Secret(apiKey), clientSecret: Secret(random(32).base64EncodedString()),
                                               organizationId: simulator.organizationID(org: org))
        }
        return out
    }

    /// The demo's speech text (docs/speech-text.md): every org watches the phrases the simulator's callers say
    /// (`SimTranscriptCorpus`) from Genesys transcription, a call turns hot on an escalation or churn-risk hit (or
    /// a customer sentiment below −0.5), and the first org alone pushes transcript text to dashboards, so the
    /// dashboard shows transcript lines there and none for the others.
    public static func speechText(orgs: [String]) -> [String: SpeechTextConfig] {
        let keywords = [
            KeywordPhrase(phrase: "cancel my account", label: "churn-risk", channel: .customer),
            KeywordPhrase(phrase: "speak to a supervisor", label: "escalation", channel: .customer),
            KeywordPhrase(phrase: "this is unacceptable", label: "escalation", channel: .customer),
            KeywordPhrase(phrase: "file a complaint", label: "complaint", channel: .customer),
            KeywordPhrase(phrase: "refund", label: "refund"),
            KeywordPhrase(phrase: "thank you so much", label: "praise", channel: .customer),
            KeywordPhrase(phrase: "wonderful news", label: "praise", channel: .customer),
        ]
        var out: [String: SpeechTextConfig] = [:]
        for (i, id) in orgs.enumerated() {
            out[id] = SpeechTextConfig(keywords: keywords, transcription: true, pushTranscripts: i == 0,
                                       hotCalls: .init(labels: ["escalation", "churn-risk"], sentimentBelow: -0.5))
        }
        return out
    }

    /// The org the demo runs on the seed protocol, so both audio transports are on show: the third org (`apac`)
    /// when there are three or more, else none.
    public static func seedOrgs(_ orgIDs: [String]) -> Set<String> {
        orgIDs.count >= 3 ? [orgIDs[2]] : []
    }

    /// The AudioHook URL of a bridge listening on `host:port` (a wildcard host is reached on loopback).
    public static func audioHookURL(host: String, port: Int) -> String {
        let reachable = ["0.0.0.0", "::", "[::]", ""].contains(host) ? "127.0.0.1" : host
        let bracketed = reachable.contains(":") && !reachable.hasPrefix("[") ? "[\(reachable)]" : reachable
        return "ws://\(bracketed):\(port)/audiohook/v1"
    }

    /// `demo-global` (global), `demo-admin` (admin, global), `demo-metrics` (metrics: `/metrics` only, for a
    /// local Prometheus) and `demo-<org>` (that org only).
    public static func demoTokens(orgs: [String]) -> [(token: String, scopes: [Scope])] {
        [("demo-global", [.global]), ("demo-admin", [.admin, .global]), ("demo-metrics", [.metrics])]
            + orgs.map { ("demo-\($0)", [Scope.org(OrgID($0))]) }
    }
}
