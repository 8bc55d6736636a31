import Foundation
import Journeys
@testable import Simulator
import SwitchboardCore
import Testing

/// The journey generator, driven through the model (no sockets): what customers do, how addresses are written,
/// that the voice workload is unchanged, and the truth against the bridge's own stitcher fed the detail events.
@Suite struct JourneyGeneratorTests {
    static let t0 = testBusinessHours

    static func model(seed: UInt64 = 11, agents: Int = 16, queues: Int = 3, customersPerHour: Double = 240,
                      recordAll: Bool = true, journeys: Bool = true) -> OrgModel {
        let m = OrgModel(org: "us", orgIndex: 0, agentCount: agents, queueCount: queues, seed: seed,
                         timeZone: TimeZone(identifier: "America/New_York")!)
        if journeys {
            var o = SimJourneyOptions()
            o.customersPerHour = customersPerHour
            o.truthCapacity = 20_000
            m.journeys = SimJourneyWorkload(org: "us", options: o, seed: seed, queueIDs: m.queues.map(\.id))
        }
        m.recordAll = recordAll
        return m
    }

    /// Six simulated hours of one org (shared by the tests that only read).
    nonisolated(unsafe) static let sixHours: (truth: SimJourneyTruth, messages: [SimMessage], model: OrgModel) = {
        let m = model()
        m.start(at: t0)
        var messages: [SimMessage] = []
        for h in 1...6 {
            m.advance(to: t0 + EpochMillis(h) * 3_600_000)
            messages += m.drain().filter { $0.tag != nil }
        }
        return (m.journeyTruth()!, messages, m)
    }()

    @Test func customersComeBackWithinAndAfterTheTimeoutOnEveryMediumWithTransfersAndEveryClosing() throws {
        let truth = Self.sixHours.truth
        let mine = truth.journeys.filter { $0.source == "customer" }
        let g = truth.generated
        print("journeys: \(truth.journeys.count) (\(mine.count) of customers), generated: \(g)")
        #expect(mine.count > 300)
        #expect(truth.journeys.contains { $0.source == "caller" })
        // Returns within the timeout join the journey; returns after it open a new one for the same customer.
        #expect(g.returnsWithin > 20 && g.returnsAfter > 10)
        #expect(mine.filter { $0.contacts.count >= 2 }.count > 40)
        let byCustomer = Dictionary(grouping: mine, by: \.customer)
        #expect(byCustomer.values.filter { $0.count >= 2 }.count > 10)
        // Every medium, and journeys across media.
        #expect(Set(mine.flatMap { $0.contacts.map(\.media) }) == Set(JourneyMedia.allCases.map(\.rawValue)))
        #expect(mine.filter { Set($0.contacts.map(\.media)).count >= 2 }.count > 20)
        #expect(g.queueTransfers > 5 && g.mediaTransfers > 5 && g.abandonedInQueue > 5)
        #expect(g.neverEnded > 5 && g.missingDisposition > 5)
        // Every closing reason, and contacts that never ended.
        #expect(Set(mine.compactMap(\.closedReason)) == ["completed", "timeout", "abandonedAtTimeout"])
        #expect(mine.flatMap(\.contacts).contains { $0.endedAt == nil && $0.timedOut })
        #expect(g.byMedia.values.reduce(0, +) == g.contacts)
    }

    @Test func theTruthIsConsistentWithItsRules() throws {
        let truth = Self.sixHours.truth
        let T = truth.sessionTimeoutMs, G = truth.idleGraceMs
        let now = Self.t0 + 6 * 3_600_000
        var conversations = Set<String>()
        for j in truth.journeys {
            #expect(j.id == JourneyStitcher.journeyID(org: "us", conversation: j.contacts[0].conversationId).description)
            #expect(j.contacts.map(\.startedAt) == j.contacts.map(\.startedAt).sorted())
            #expect(j.openedAt == j.contacts[0].startedAt)
            #expect(j.lastActivityAt == j.contacts.map(\.lastEventAt).max())
            for c in j.contacts {
                #expect(conversations.insert(c.conversationId).inserted, "a contact in two journeys")
                #expect(c.startedAt <= c.lastEventAt && (c.endedAt.map { $0 <= c.lastEventAt } ?? true))
                #expect(!(c.timedOut && c.endedAt != nil))
            }
            // Each later contact started while the journey was busy or within T of its last event before it.
            for (i, c) in j.contacts.enumerated().dropFirst() {
                let before = j.contacts[..<i]
                let last = before.map { min($0.lastEventAt, c.startedAt) }.max()!
                let busy = before.contains { ($0.endedAt.map { $0 > c.startedAt } ?? true) }
                #expect(busy || c.startedAt <= last + T, "\(j.id) contact \(i)")
            }
            if j.closed && j.closeDueAt < j.lastActivityAt + T {
                // Closed by a silent contact's timeout before its later events came (a long call): they are placed
                // in the closed journey and do not change why it closed.
                #expect(j.closedReason == "abandonedAtTimeout")
                #expect(j.closedAt == j.contacts.map { $0.endedAt ?? $0.lastEventAt }.max())
            } else if j.closed {
                let reason: String = j.contacts.contains(where: \.timedOut) ? "abandonedAtTimeout"
                    : j.contacts.allSatisfy { $0.endedAt != nil && ($0.dispositioned || !$0.taken) } ? "completed" : "timeout"
                #expect(j.closedReason == reason)
                #expect(j.closedAt == j.contacts.map { $0.endedAt ?? $0.lastEventAt }.max())
                #expect(j.closeDueAt <= now)
            } else {
                #expect(j.closedReason == nil && j.closedAt == nil && j.closeDueAt > now - 1)
            }
        }
        // A customer's journeys follow each other: the next one starts after the previous one closed, at least
        // T after its last event, and T + G after the last event of a contact of it that never ended.
        let mine = truth.journeys.filter { $0.source == "customer" }
        for (_, list) in Dictionary(grouping: mine, by: \.customer) where list.count > 1 {
            for (a, b) in zip(list, list.dropFirst()) {
                #expect(a.closed && b.openedAt > a.closeDueAt, "\(a.id) → \(b.id)")
                #expect(a.closeDueAt >= a.lastActivityAt + T)
                for c in a.contacts where c.endedAt == nil { #expect(a.closeDueAt >= c.lastEventAt + T + G) }
            }
        }
    }

    @Test func theGeneratorKeepsItsCustomersAwayFromTheRulesThresholds() {
        let truth = Self.sixHours.truth
        let half = truth.sessionTimeoutMs * 4 / 10
        for j in truth.journeys where j.source == "customer" {
            #expect((j.marginMs ?? .max) >= half, "\(j.id): \(j.marginMs ?? -1) ms from a threshold")
        }
    }

    @Test func addressesAreWrittenInManyWaysThatAllGiveTheCustomersKey() throws {
        var rng = SimRandom(seed: 5)
        var shapes: Set<String> = []
        for country in ["US", "DE", "JP"] {
            let policy = try CustomerKeyPolicy(defaultCountry: country)
            var used: Set<String> = []
            for serial in 0..<200 {
                let c = SimCustomer.make(serial: serial, country: country, rng: &rng, usedPhones: &used)
                var key: String?
                for media in c.media {
                    for _ in 0..<8 {
                        let (address, type) = c.address(for: media, &rng)
                        let k = policy.key(for: c.identity(address: address))?.canonical
                        #expect(k != nil, "\(address) gives no key")
                        if key == nil { key = k }
                        #expect(k == key, "\(country) \(c.kind) \(media): \(address) → \(k ?? "nil"), not \(key ?? "nil")")
                        if media == .message { #expect(type == "sms" || type == "webmessaging") }
                        if address.hasPrefix("tel:") { shapes.insert("tel") }
                        if address.hasPrefix("sip:") { shapes.insert("sip") }
                        if address.hasPrefix("+") { shapes.insert("e164") }
                        if address.hasPrefix("(") { shapes.insert("brackets") }
                        if address.hasPrefix("0") || address.first?.isNumber == true && !address.contains("@") {
                            shapes.insert("national")
                        }
                        if address.hasPrefix("mailto:") { shapes.insert("mailto") }
                        if address.contains("<") { shapes.insert("display") }
                        if address.contains("@"), address != address.lowercased() { shapes.insert("mixedCase") }
                        if address.hasPrefix("wm-") { shapes.insert("messaging") }
                    }
                }
                switch c.kind {
                case .known: #expect(key == "contact:\(c.externalContactID!)")
                case .phone: #expect(key == "phone:\(c.phone!.e164)")
                case .email: #expect(key == "email:\(c.email!)")
                case .messaging: #expect(key == "msg:\(c.messagingID!)")
                }
            }
        }
        #expect(shapes == ["tel", "sip", "e164", "brackets", "national", "mailto", "display", "mixedCase", "messaging"])
    }

    @Test func aStartAtHistoryHasNoJourneys() {
        let m = Self.model(seed: 5, recordAll: false)
        m.start(at: Self.t0, historyFrom: Self.t0 - 2 * 3_600_000)
        m.advance(to: Self.t0 + 900_000)
        let truth = m.journeyTruth()!
        #expect(truth.journeys.contains { $0.source == "customer" } && truth.journeys.contains { $0.source == "caller" })
        #expect(truth.journeys.allSatisfy { $0.openedAt >= Self.t0 })
    }

    @Test func theVoiceWorkloadIsTheSameWithJourneysOnOrOff() {
        let off = Self.model(seed: 3, journeys: false)
        let on = Self.model(seed: 3)
        off.start(at: Self.t0)
        on.start(at: Self.t0)
        off.advance(to: Self.t0 + 2 * 3_600_000)
        on.advance(to: Self.t0 + 2 * 3_600_000)
        var a = off.truth(), b = on.truth()
        #expect(b.journeys != nil && a.journeys == nil)
        b.journeys = nil
        a.transcripts = []
        b.transcripts = []
        #expect(a == b)
        // The same messages on the workload's topics, in the same order (journeys add their own topics only).
        let variants: Set<Substring> = ["calls", "chats", "emails", "callbacks", "messages"]
        func journeyOnly(_ m: SimMessage) -> Bool {
            if m.topic.hasPrefix("v2.detail.") { return true }
            if let t = m.tag, t.customer >= 0 { return true }
            return m.topic.hasPrefix("v2.routing.queues.") && variants.contains(m.topic.split(separator: ".").last!)
        }
        let x = off.drain()
        let y = on.drain().filter { !journeyOnly($0) }
        #expect(x.count == y.count)
        #expect(zip(x, y).allSatisfy { $0.topic == $1.topic && $0.body == $1.body })
    }

    @Test func snapshotsCarryTheWholeConversationInTheRealShape() throws {
        let (truth, messages, model) = Self.sixHours
        let keys = Dictionary(truth.journeys.flatMap { j in j.contacts.map { ($0.conversationId, j.customer) } },
                              uniquingKeysWith: { a, _ in a })
        let agentIDs = Set(model.agents.map(\.id)), queueIDs = Set(model.queues.map(\.id))
        var problems: [String] = []
        var variants: [String: Int] = [:]
        var wrapups = 0, external = 0
        for m in messages where m.topic.hasPrefix("v2.routing.queues.") {
            let suffix = String(m.topic.split(separator: ".").last!)
            variants[suffix, default: 0] += 1
            let model = "QueueConversationEventTopicConversation"
            if variants[suffix]! <= 150 { problems += try SdkSchemaTests.check(m.body, as: model, m.topic) }
            let conv = try JSONDecoder().decode(JourneyWire.Conversation.self, from: Data(m.body))
            let customer = try #require(conv.participants.first { $0.purpose == "customer" })
            #expect(customer.address == conv.address && customer.address?.isEmpty == false)
            if let key = keys[conv.id], key.hasPrefix("contact:") {
                #expect(customer.externalContactId == String(key.dropFirst("contact:".count)))
                external += 1
            } else {
                #expect(customer.externalContactId == nil)
            }
            for p in conv.participants {
                if suffix != "conversations" {
                    let field = ["calls", "chats", "messages", "emails", "callbacks"].first { suffix == $0 }!
                    let has = [p.calls, p.chats, p.messages, p.emails, p.callbacks].map { $0 != nil }
                    #expect(has.filter { $0 }.count == 1 && has[["calls", "chats", "messages", "emails", "callbacks"].firstIndex(of: field)!])
                }
                #expect(p.communications.count == 1)
                if p.purpose == "agent" {
                    #expect(agentIDs.contains(p.userId ?? "") && queueIDs.contains(p.queueId ?? ""))
                    #expect(p.wrapupRequired == true)
                    if let w = p.wrapup {
                        #expect(OrgModel.wrapupCodes.contains(w.code ?? "") && p.endAcwTime != nil)
                        wrapups += 1
                    }
                }
                if p.purpose == "acd" { #expect(queueIDs.contains(p.queueId ?? "")) }
            }
        }
        #expect(Set(variants.keys) == ["conversations", "calls", "chats", "messages", "emails", "callbacks"])
        #expect(wrapups > 100 && external > 100)
        let problemCount = problems.count
        #expect(problemCount == 0, "\(problems.prefix(20).joined(separator: "\n"))")
    }

    @Test func detailEventsAreTheRealDetailEvents() throws {
        let (truth, messages, _) = Self.sixHours
        let contacts = Dictionary(truth.journeys.flatMap { $0.contacts.map { ($0.conversationId, $0) } },
                                  uniquingKeysWith: { a, _ in a })
        let models: [JourneyEvent.Kind: String] = [
            .customerStart: "CustomerStartDetailEventTopicCustomerStartEvent",
            .customerEnd: "CustomerEndDetailEventTopicCustomerEndEvent",
            .acdStart: "AcdStartDetailEventTopicAcdStartEvent", .acdEnd: "AcdEndDetailEventTopicAcdEndEvent",
            .userStart: "UserStartDetailEventTopicUserStartEvent", .userEnd: "UserEndDetailEventTopicUserEndEvent",
            .acw: "AcwDetailEventTopicAfterCallWorkEvent", .wrapup: "WrapupDetailEventTopicWrapupEvent",
        ]
        var problems: [String] = []
        var seen: [JourneyEvent.Kind: Int] = [:]
        var starts: [String: Int64] = [:], ends: [String: Int64] = [:]
        for m in messages where m.topic.hasPrefix("v2.detail.") {
            let kind = try #require(JourneyEvent.Kind(detailEventTopic: m.topic), "\(m.topic)")
            seen[kind, default: 0] += 1
            if seen[kind]! <= 200 { problems += try SdkSchemaTests.check(m.body, as: models[kind]!, m.topic) }
            let d = try JSONDecoder().decode(JourneyWire.DetailEvent.self, from: Data(m.body))
            #expect(m.topic == "v2.detail.events.conversation.\(d.conversationId).\(kind.rawValue)")
            #expect(d.eventTime == m.at && d.direction == "INBOUND")
            #expect(JourneyMedia(platform: d.mediaType)?.rawValue == contacts[d.conversationId]?.media)
            #expect(d.mediaType == d.mediaType.uppercased())
            if kind == .customerStart { starts[d.conversationId] = d.eventTime }
            if kind == .customerEnd { ends[d.conversationId] = min(ends[d.conversationId] ?? .max, d.eventTime) }
            if [.userStart, .userEnd, .acw].contains(kind) { #expect(d.userId != nil) }
            if [.acdStart, .acdEnd].contains(kind) { #expect(d.queueId != nil) }
            if kind == .wrapup || kind == .acw { #expect(OrgModel.wrapupCodes.contains(d.wrapupCode ?? "")) }
        }
        #expect(seen.count == 8, "\(seen)")
        let problemCount = problems.count
        #expect(problemCount == 0, "\(problems.prefix(20).joined(separator: "\n"))")
        // The customer's start and end are the truth's contact start and end.
        var checked = 0
        for (id, c) in contacts where starts[id] != nil {
            #expect(starts[id] == c.startedAt)
            #expect(ends[id] == c.endedAt)
            checked += 1
        }
        #expect(checked > 300)
    }

    /// The bridge's stitcher, fed the detail events as they were published (no delay), makes the journeys the
    /// truth says — wherever the truth's margin leaves no doubt.
    @Test func theStitcherFedTheDetailEventsMakesTheTruthsJourneys() throws {
        let (truth, messages, _) = Self.sixHours
        var stitcher = JourneyStitcher(org: "us", configuration: .init(
            identity: try CustomerKeyPolicy(defaultCountry: truth.defaultCountry),
            sessionTimeout: truth.sessionTimeoutMs, idleGrace: truth.idleGraceMs, reorderWindow: 0))
        var ticks = 0
        for m in messages where m.topic.hasPrefix("v2.detail.") {
            while let d = stitcher.nextDeadline, d < m.at, ticks < 1_000_000 {
                _ = stitcher.tick(now: d)
                ticks += 1
            }
            _ = stitcher.ingest(try JourneyWire.events(topic: m.topic, body: m.body, org: "us"), now: m.at)
        }
        let compared = try JourneyTruthCheck.settleAndCompare(&stitcher, truth: truth, end: Self.t0 + 6 * 3_600_000, ticks: ticks)
        #expect(stitcher.activeCount + stitcher.closedCount >= compared)
    }
}
