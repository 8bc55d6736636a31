import Foundation
import Journeys
@testable import JourneyViews
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Testing

/// Builders for the journey views' tests: org `us` (and `emea`), times in ms after `t0` on a manual clock.
enum JV {
    static let t0: EpochMillis = 1_790_000_000_000
    static let salt = Secret("journey-test-salt-0123456789")
    static let ebKey = "eventbridge-test-key-0123456789"

    static func org(_ id: OrgID, journeys: OrgJourneysConfig?) -> OrgConfig {
        OrgConfig(id: id, name: id.rawValue.uppercased(), apiBase: "https://api.example", loginBase: "https://login.example",
                  clientId: "c", clientSecret: Secret("s"), timezone: TimeZone(identifier: "UTC")!, journeys: journeys)
    }

    /// `us` with journeys (`tweak` applied; an EventBridge key by default) and `emea` with `emea`'s section.
    static func configuration(_ tweak: (inout OrgJourneysConfig) -> Void = { _ in },
                              emea: OrgJourneysConfig? = nil) -> SwitchboardConfiguration {
        var j = OrgJourneysConfig(eventBridge: EventBridgeConfig(apiKey: Secret(ebKey)))
        tweak(&j)
        var c = SwitchboardConfiguration(orgs: [org("us", journeys: j), org("emea", journeys: emea)])
        c.journeys.salt = salt
        return c
    }

    static func redactor(_ mode: CustomerKeyRedactor.Mode = .hashed) -> CustomerKeyRedactor {
        try! CustomerKeyRedactor(salt: salt, mode: mode)
    }

    /// A detail-style event at `t` ms after t0 (received then).
    static func ev(_ id: String, _ conv: String, _ kind: JourneyEvent.Kind, at t: EpochMillis, org: OrgID = "us",
                   media: JourneyMedia = .voice, phone: String? = nil, email: String? = nil, queue: String? = nil,
                   agent: String? = nil, wrapup: String? = nil) -> JourneyEvent {
        var addresses: [CustomerAddress] = []
        if let phone { addresses.append(CustomerAddress(.phone, phone)) }
        if let email { addresses.append(CustomerAddress(.email, email)) }
        return JourneyEvent(org: org, id: id, source: .detailEvent, time: t0 + t, receivedAt: t0 + t,
                            conversationID: conv, media: media, kind: kind, queueID: queue, agentID: agent,
                            customer: addresses.isEmpty ? nil : CustomerIdentity(addresses: addresses),
                            wrapupCode: wrapup)
    }

    /// A complete call: customer start (phone), queue, agent, customer end at `t + 60 s`, wrap-up 2 s later.
    static func call(_ conv: String, at t: EpochMillis, phone: String = "+15551230001", org: OrgID = "us",
                     queue: String = "q1", agent: String = "a1", end: Bool = true,
                     media: JourneyMedia = .voice) -> [JourneyEvent] {
        var es = [ev("\(conv)-cs", conv, .customerStart, at: t, org: org, media: media,
                     phone: media == .voice ? phone : nil, email: media == .email ? "pat@example.com" : nil),
                  ev("\(conv)-as", conv, .acdStart, at: t + 1_000, org: org, media: media, queue: queue),
                  ev("\(conv)-us", conv, .userStart, at: t + 5_000, org: org, media: media, agent: agent)]
        if end {
            es.append(ev("\(conv)-ce", conv, .customerEnd, at: t + 60_000, org: org, media: media))
            es.append(ev("\(conv)-wu", conv, .wrapup, at: t + 62_000, org: org, media: media, agent: agent, wrapup: "ok"))
        }
        return es
    }

    /// A JSON object of an entity change.
    static func object(_ c: EntityChange) throws -> [String: Any] {
        let json = try #require(c.json, "\(c.kind) \(c.id) was removed")
        return try #require(try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: Any])
    }

    static func changes(_ all: [EntityChange], _ kind: EntityKind) -> [EntityChange] {
        all.filter { $0.kind == kind }
    }
}

/// Records what the engine publishes.
final class CapturingSink: ViewChangeSink, Sendable {
    private let box = Mutex<[EntityChange]>([])
    func publish(_ changes: [EntityChange]) { box.withLock { $0 += changes } }
    func publish(alert: StreamAlert) {}
    var all: [EntityChange] { box.withLock { $0 } }
}
