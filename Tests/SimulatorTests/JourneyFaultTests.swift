import Foundation
import Journeys
@testable import Simulator
import SwitchboardCore
import Testing

/// The journey faults' effects without sockets: the reorder gate (pure), missing dispositions (model), and the
/// fault kinds on the wire (`POST /_sim/faults` names).
@Suite struct JourneyFaultTests {
    static func message(_ conversation: String, customer: Int, media: JourneyMedia, lagged: Bool = false,
                        at: EpochMillis = 0) -> SimMessage {
        SimMessage(topic: "v2.routing.queues.q.\(SimJourneyConversation.mediaField(media))", body: Array(conversation.utf8),
                   at: at, tag: SimJourneyTag(conversation: conversation, customer: customer, media: media, lagged: lagged))
    }

    static func names(_ ms: [SimMessage]) -> [String] { ms.map { String(decoding: $0.body, as: UTF8.self) } }

    @Test func theReorderGateHoldsAContactUntilAVoiceMessageAndTheDelayHavePassed() {
        var gate = SimJourneyLagGate()
        let plain = SimMessage(topic: "v2.users.u.activity", body: Array("activity".utf8), at: 0)
        // The held chat's messages wait; untagged and other messages pass.
        var out = gate.pass([Self.message("chat", customer: 1, media: .chat, lagged: true), plain,
                             Self.message("email", customer: 2, media: .email)], realNow: 1000, delay: 500, maxHold: 3000)
        #expect(Self.names(out) == ["activity", "email"])
        #expect(gate.isHolding)
        // A voice message went out, but the delay has not passed: still held, and so are its later messages.
        out = gate.pass([Self.message("call", customer: 3, media: .voice),
                         Self.message("chat", customer: 1, media: .chat, lagged: true)], realNow: 1200, delay: 500, maxHold: 3000)
        #expect(Self.names(out) == ["call"])
        // Delay passed: released after the voice message, in publication order.
        out = gate.pass([], realNow: 1500, delay: 500, maxHold: 3000)
        #expect(Self.names(out) == ["chat", "chat"])
        #expect(!gate.isHolding)
        // Once released, its messages flow at once.
        out = gate.pass([Self.message("chat", customer: 1, media: .chat, lagged: true)], realNow: 1600, delay: 500, maxHold: 3000)
        #expect(Self.names(out) == ["chat"])
    }

    @Test func withoutAVoiceMessageAHeldContactGoesAfterTheLongestHold() {
        var gate = SimJourneyLagGate()
        var out = gate.pass([Self.message("msg", customer: 1, media: .message, lagged: true)], realNow: 0, delay: 500,
                            maxHold: 3000)
        #expect(out.isEmpty)
        out = gate.pass([Self.message("email", customer: 2, media: .email)], realNow: 2999, delay: 500, maxHold: 3000)
        #expect(Self.names(out) == ["email"])
        out = gate.pass([], realNow: 3000, delay: 500, maxHold: 3000)
        #expect(Self.names(out) == ["msg"])
    }

    @Test func aCustomersContactsKeepTheirOrderThroughTheGate() {
        var gate = SimJourneyLagGate()
        _ = gate.pass([Self.message("chat", customer: 7, media: .chat, lagged: true)], realNow: 0, delay: 500, maxHold: 3000)
        // The same customer's next contact (a media transfer to email) may not overtake the held chat.
        let out = gate.pass([Self.message("email", customer: 7, media: .email)], realNow: 10, delay: 500, maxHold: 3000)
        #expect(Self.names(out) == ["chat", "email"])
        #expect(!gate.isHolding)
    }

    @Test func missingDispositionTakesTheNextAgentLegsWrapUps() throws {
        func run(fault: Int) -> (legs: [String], messages: [SimMessage], truth: SimJourneyTruth) {
            let m = JourneyGeneratorTests.model(seed: 21)
            let t0 = JourneyGeneratorTests.t0
            m.start(at: t0)
            m.advance(to: t0 + 1_800_000)
            _ = m.drain()
            m.journeys?.missingDispositionFaults = fault
            m.advance(to: t0 + 3 * 3_600_000)
            let messages = m.drain().filter { ($0.tag?.customer ?? -1) >= 0 }
            // The agent legs that entered after-call work first after the injection (user.end).
            var legs: [String] = []
            for msg in messages where msg.topic.hasSuffix(".user.end") && legs.count < 3 {
                let d = try? JSONDecoder().decode(JourneyWire.DetailEvent.self, from: Data(msg.body))
                if let d { legs.append(d.participantId) }
            }
            return (legs, messages, m.journeyTruth()!)
        }
        func wrapped(_ legs: [String], _ messages: [SimMessage]) -> Int {
            var n = 0
            for msg in messages where msg.topic.hasSuffix(".wrapup") {
                let d = try? JSONDecoder().decode(JourneyWire.DetailEvent.self, from: Data(msg.body))
                if let d, legs.contains(d.participantId) { n += 1 }
            }
            return n
        }
        // Without the fault, the first legs are wrapped up (92 % each); with it, none of the three is.
        let faulty = run(fault: 3), clean = run(fault: 0)
        #expect(faulty.legs.count == 3 && clean.legs.count == 3)
        #expect(faulty.legs.first == clean.legs.first)
        #expect(wrapped(faulty.legs, faulty.messages) == 0)
        #expect(wrapped(clean.legs, clean.messages) >= 2)
        #expect(faulty.truth.generated.missingDisposition > clean.truth.generated.missingDisposition)
        // Snapshots of those legs never carry a wrap-up either.
        for msg in faulty.messages where msg.topic.hasPrefix("v2.routing.queues.") {
            let conv = try JSONDecoder().decode(JourneyWire.Conversation.self, from: Data(msg.body))
            for p in conv.participants where faulty.legs.contains(p.id) { #expect(p.wrapup == nil && p.endAcwTime == nil) }
        }
    }

    @Test func theFaultKindsParseAndNameThemselves() {
        for f in SimJourneyFault.allCases {
            let parsed = SimFault(kind: f.rawValue, count: 2)
            #expect(parsed == .journey(f, count: 2))
            #expect(parsed?.kind == f.rawValue && parsed?.count == 2)
        }
        #expect(SimFault(kind: "journey-reorder") == .journey(.reorder, count: 3))
        #expect(SimFault(kind: "journey-replay") == .journey(.replay, count: 1))
        #expect(!SimFault.kinds.contains { $0.hasPrefix("journey-") })  // not drawn by random faults
    }

    @Test func aJourneyFaultOnAnOrgWithoutJourneysSaysSo() {
        let m = JourneyGeneratorTests.model(journeys: false)
        let s = OrgState(model: m, seed: 1)
        #expect(s.apply(.journey(.reorder, count: 1), realNow: 0, grace: 0) == "the org has no journeys")
        let j = OrgState(model: JourneyGeneratorTests.model(), seed: 1)
        #expect(j.apply(.journey(.missingDisposition, count: 4), realNow: 0, grace: 0).contains("4"))
        #expect(j.model.journeys?.missingDispositionFaults == 4)
        _ = j.apply(.journey(.reorder, count: 2), realNow: 0, grace: 0)
        #expect(j.model.journeys?.reorderFaults == 2)
    }
}
