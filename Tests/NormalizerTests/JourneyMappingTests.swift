import Foundation
import Journeys
import Normalizer
import SwitchboardCore
import Testing

private let q = "3f1c0000-0000-4000-8000-0000000000a1"
private let q2 = "3f1c0000-0000-4000-8000-0000000000a2"
private let agent = "8d3b0000-0000-4000-8000-0000000000b1"
private let agent2 = "8d3b0000-0000-4000-8000-0000000000b2"
private let conv = "c0de0000-0000-4000-8000-0000000000c1"
private func ms(_ s: String) -> EpochMillis { Timestamp.parse(s)! }

/// A queue conversation snapshot (`QueueConversationEventTopicConversation`) of a voice call: the customer
/// (address and ani), the ACD participant of the first queue, an agent who took it and transferred it, the ACD
/// participant of the second queue, and the second agent, in wrap-up.
private let callSnapshot = #"""
{"topicName":"v2.routing.queues.\#(q).conversations","version":"2","metadata":{"CorrelationId":"x"},
 "eventBody":{"id":"\#(conv)","maxParticipants":5,"recordingState":"none","address":"tel:+18005550100",
 "participants":[
  {"id":"p-cust","purpose":"customer","address":"tel:+1 (555) 123-0001","ani":"tel:+15551230001",
   "externalContactId":"ext-77","connectedTime":"2026-09-22T10:00:00.000Z","endTime":"2026-09-22T10:09:00.000Z",
   "wrapupRequired":false,"attributes":{},
   "calls":[{"id":"k0","state":"disconnected","direction":"inbound","held":false,"muted":false,"recording":false,
     "self":{"addressNormalized":"tel:+15551230001"},"other":{"addressNormalized":"tel:+18005550100"},
     "connectedTime":"2026-09-22T10:00:00.000Z","disconnectedTime":"2026-09-22T10:09:00.000Z",
     "disconnectType":"endpoint","provider":"Edge"}]},
  {"id":"p-acd1","purpose":"acd","queueId":"\#(q)","connectedTime":"2026-09-22T10:00:05.000Z",
   "endTime":"2026-09-22T10:00:40.000Z",
   "calls":[{"id":"k1","state":"disconnected","connectedTime":"2026-09-22T10:00:05.000Z",
     "disconnectedTime":"2026-09-22T10:00:40.000Z","disconnectType":"transfer"}]},
  {"id":"p-ag1","purpose":"agent","userId":"\#(agent)","queueId":"\#(q)","wrapupExpected":true,
   "wrapup":{"code":"transfer-sales","notes":""},"startAcwTime":"2026-09-22T10:03:00.000Z",
   "endAcwTime":"2026-09-22T10:03:30.000Z",
   "calls":[{"id":"k2","state":"disconnected","connectedTime":"2026-09-22T10:00:40.000Z",
     "disconnectedTime":"2026-09-22T10:03:00.000Z","disconnectType":"transfer"}]},
  {"id":"p-acd2","purpose":"acd","queueId":"\#(q2)",
   "calls":[{"id":"k3","state":"disconnected","connectedTime":"2026-09-22T10:03:00.000Z",
     "disconnectedTime":"2026-09-22T10:03:20.000Z","disconnectType":"transfer"}]},
  {"id":"p-ag2","purpose":"agent","userId":"\#(agent2)","queueId":"\#(q2)","wrapupExpected":true,
   "wrapup":null,"startAcwTime":"2026-09-22T10:09:00.000Z","endAcwTime":null,
   "calls":[{"id":"k4","state":"disconnected","connectedTime":"2026-09-22T10:03:20.000Z",
     "disconnectedTime":"2026-09-22T10:09:00.000Z","disconnectType":"peer"}]}],
 "recentTransfers":[],"divisions":[{"division":{"id":"d1"},"entities":[{"id":"e1"}]}]}}
"""#

@Suite struct JourneyMappingTests {
    let normalizer = NotificationNormalizer(org: "us")

    func journeyEvents(_ frame: String, receivedAt: EpochMillis? = 42) -> (TopicKind, [JourneyEvent])? {
        guard case .journeys(let topic, let events) = normalizer.normalize(Array(frame.utf8), receivedAt: receivedAt) else {
            Issue.record("expected journey events from \(frame.prefix(80))")
            return nil
        }
        return (topic, events)
    }

    @Test func aQueueConversationSnapshotGivesOneEventPerTime() throws {
        let (topic, events) = try #require(journeyEvents(callSnapshot))
        #expect(topic == .queueConversations)
        typealias K = JourneyEvent.Kind
        let got = events.map { "\($0.kind.rawValue)@\(Timestamp.format($0.time)) q=\($0.queueID ?? "-") a=\($0.agentID ?? "-")" }
        #expect(got == [
            "customer.start@2026-09-22T10:00:00.000Z q=- a=-",
            "customer.end@2026-09-22T10:09:00.000Z q=- a=-",
            "acd.start@2026-09-22T10:00:05.000Z q=\(q) a=-",
            "acd.end@2026-09-22T10:00:40.000Z q=\(q) a=-",
            "user.start@2026-09-22T10:00:40.000Z q=\(q) a=\(agent)",
            "user.end@2026-09-22T10:03:00.000Z q=\(q) a=\(agent)",
            "acw@2026-09-22T10:03:00.000Z q=- a=\(agent)",
            "wrapup@2026-09-22T10:03:30.000Z q=- a=\(agent)",
            // The agent's leg ended in a transfer (the ACD's own "transfer" hand-offs are not transfers).
            "transfer.initiated@2026-09-22T10:03:00.000Z q=- a=-",
            "acd.start@2026-09-22T10:03:00.000Z q=\(q2) a=-",
            "acd.end@2026-09-22T10:03:20.000Z q=\(q2) a=-",
            "user.start@2026-09-22T10:03:20.000Z q=\(q2) a=\(agent2)",
            "user.end@2026-09-22T10:09:00.000Z q=\(q2) a=\(agent2)",
            "acw@2026-09-22T10:09:00.000Z q=- a=\(agent2)",
        ])
        for e in events {
            #expect(e.org == "us" && e.conversationID == conv && e.media == .voice && e.source == .notification)
            #expect(e.receivedAt == 42)
            // Every event names the customer: the external contact and each address once.
            #expect(e.customer == CustomerIdentity(externalContactID: "ext-77", addresses: [
                CustomerAddress(.phone, "tel:+1 (555) 123-0001"), CustomerAddress(.phone, "tel:+15551230001"),
            ]))
        }
        #expect(events.first { $0.kind == .wrapup }?.wrapupCode == "transfer-sales")
        #expect(events[0].id == JourneyEvent.derivedID(conversationID: conv, kind: .customerStart,
                                                       time: ms("2026-09-22T10:00:00.000Z"), participant: "p-cust"))
        // The same snapshot again (a repeat, a reconnect's replay) gives the same ids.
        let (_, again) = try #require(journeyEvents(callSnapshot, receivedAt: 99))
        #expect(again.map(\.id) == events.map(\.id))
        #expect(Set(events.map(\.id)).count == events.count)
        // The policy makes one key of both writings, and the external contact is the journey's key.
        let policy = try CustomerKeyPolicy(defaultCountry: "US")
        #expect(policy.keys(for: events[0].customer!) == [CustomerKey(kind: .externalContact, value: "ext-77"),
                                                         CustomerKey(kind: .phone, value: "+15551230001")])
    }

    @Test func theSnapshotsStitchIntoOneJourneyWithBothQueuesAndATransfer() throws {
        let (_, events) = try #require(journeyEvents(callSnapshot))
        var s = JourneyStitcher(org: "us", configuration: .init(identity: try CustomerKeyPolicy(defaultCountry: "US"),
                                                                reorderWindow: 0))
        let now = ms("2026-09-22T10:09:01.000Z")
        let actions = s.ingest(events, now: now)
        guard case .journeyOpened(let j)? = actions.first(where: { if case .journeyOpened = $0 { true } else { false } }) else {
            Issue.record("no journey: \(actions)")
            return
        }
        #expect(j.customer == CustomerKey(kind: .externalContact, value: "ext-77"))
        #expect(j.contacts.count == 1)
        let c = j.contacts[0]
        #expect(c.queues == [q, q2] && c.agents == [agent, agent2] && c.transfers == 1)
        #expect(c.start == ms("2026-09-22T10:00:00.000Z") && c.end == ms("2026-09-22T10:09:00.000Z"))
        #expect(c.dispositioned)
    }

    @Test func mediaComesFromTheTopicsVariantOrTheCustomersCommunications() throws {
        let email = #"""
        {"topicName":"v2.routing.queues.\#(q).conversations","eventBody":{"id":"em-1","participants":[
          {"id":"p1","purpose":"customer","address":"Pat <PAT@Example.com>","connectedTime":"2026-09-22T11:00:00.000Z",
           "emails":[{"id":"e1","state":"connected","connectedTime":"2026-09-22T11:00:00.000Z"}]},
          {"id":"p2","purpose":"acd","queueId":"\#(q)","connectedTime":"2026-09-22T11:00:01.000Z",
           "emails":[{"id":"e2","state":"connected"}]}]}}
        """#
        let (_, events) = try #require(journeyEvents(email))
        #expect(events.map(\.media) == [.email, .email])
        #expect(events.map(\.kind) == [.customerStart, .acdStart])
        #expect(events[0].customer?.addresses == [CustomerAddress(.email, "Pat <PAT@Example.com>")])
        // A media variant of the topic names the media; a chat's customer may have no address at all.
        let chat = #"""
        {"topicName":"v2.routing.queues.\#(q).conversations.chats","eventBody":{"id":"ch-1","participants":[
          {"id":"p1","purpose":"customer","connectedTime":"2026-09-22T11:00:00.000Z","chats":[{"state":"connected"}]},
          {"id":"p2","purpose":"agent","userId":"\#(agent)","connectedTime":"2026-09-22T11:00:09.000Z","chats":[]}]}}
        """#
        let (_, chatEvents) = try #require(journeyEvents(chat))
        #expect(chatEvents.map(\.media) == [.chat, .chat])
        #expect(chatEvents.allSatisfy { $0.customer == nil })
        // A callback conversation is a callback even once the call it asked for is placed.
        let callback = #"""
        {"topicName":"v2.routing.queues.\#(q).conversations","eventBody":{"id":"cb-1","participants":[
          {"id":"p1","purpose":"customer","connectedTime":"2026-09-22T11:00:00.000Z",
           "callbacks":[{"state":"connected"}],"calls":[{"state":"connected","self":{"addressNormalized":"tel:+15551230001"}}]}]}}
        """#
        let (_, cb) = try #require(journeyEvents(callback))
        #expect(cb.map(\.media) == [.callback])
        #expect(cb[0].customer?.addresses == [CustomerAddress(.phone, "tel:+15551230001")])
        // Media journeys do not follow give nothing; a snapshot without an id is malformed.
        let video = #"{"topicName":"v2.routing.queues.\#(q).conversations.videos","eventBody":{"id":"v","participants":[]}}"#
        #expect(journeyEvents(video)?.1.isEmpty == true)
        let noID = #"{"topicName":"v2.routing.queues.\#(q).conversations","eventBody":{"participants":[]}}"#
        guard case .malformed(let kind, _) = normalizer.normalize(Array(noID.utf8), receivedAt: 1) else {
            Issue.record("expected malformed")
            return
        }
        #expect(kind == "bad-body:queues.conversations")
    }

    @Test func aParticipantStillInProgressHasNoEndYet() throws {
        let live = #"""
        {"topicName":"v2.routing.queues.\#(q).conversations","eventBody":{"id":"live-1","participants":[
          {"id":"p1","purpose":"customer","ani":"+15551230001",
           "calls":[{"state":"connected","connectedTime":"2026-09-22T11:00:00.000Z"},
                    {"state":"disconnected","connectedTime":"2026-09-22T10:59:00.000Z","disconnectedTime":"2026-09-22T10:59:30.000Z"}]},
          {"id":"p2","purpose":"agent","userId":"\#(agent)","calls":[{"state":"alerting"}]}]}}
        """#
        let (_, events) = try #require(journeyEvents(live))
        // Start from the earliest communication; no end while one is connected; an alerting agent is no user.start.
        #expect(events.map(\.kind) == [.customerStart])
        #expect(events[0].time == ms("2026-09-22T10:59:00.000Z"))
    }

    @Test func detailEventsOverTheSocket() throws {
        let start = #"""
        {"topicName":"v2.detail.events.conversation.\#(conv).customer.start","version":"2","eventBody":{
         "eventTime":1790000000000,"conversationId":"\#(conv)","participantId":"p1","sessionId":"s1",
         "mediaType":"VOICE","direction":"INBOUND","ani":"tel:+15551230001","dnis":"tel:+18005550100",
         "externalContactId":"ext-9"}}
        """#
        let (topic, events) = try #require(journeyEvents(start))
        #expect(topic == .detailEvents)
        #expect(events.count == 1)
        let e = events[0]
        #expect(e.kind == .customerStart && e.time == 1_790_000_000_000 && e.media == .voice && e.source == .detailEvent)
        #expect(e.id == "det:\(conv):customer.start:p1:1790000000000")
        #expect(e.customer == CustomerIdentity(externalContactID: "ext-9", addresses: [CustomerAddress(.phone, "tel:+15551230001")]))
        // Outbound: the customer is the number dialled.
        let outbound = start.replacingOccurrences(of: "INBOUND", with: "OUTBOUND")
        #expect(journeyEvents(outbound)?.1.first?.customer?.addresses == [CustomerAddress(.phone, "tel:+18005550100")])

        // The reference's acd.end: answered, so its TRANSFER is the hand-off to the agent, not a transfer.
        let acdEnd = #"""
        {"topicName":"v2.detail.events.conversation.\#(conv).acd.end","eventBody":{"eventTime":1765551750107,
         "conversationId":"\#(conv)","participantId":"p2","sessionId":"s2","disconnectType":"TRANSFER","mediaType":"VOICE",
         "direction":"INBOUND","ani":"tel:+15551230001","dnis":"tel:+18005550100","queueId":"\#(q)","divisionId":"d",
         "acdOutcome":"ANSWERED","answeredUserId":"\#(agent)","connectedDurationMs":21000,"routingPriority":0,
         "requestedRoutingSkillIds":[],"usedRouting":"STANDARD"}}
        """#
        let (_, acd) = try #require(journeyEvents(acdEnd))
        #expect(acd.map(\.kind) == [.acdEnd])
        #expect(acd[0].queueID == q && acd[0].agentID == nil)
        let flowOut = acdEnd.replacingOccurrences(of: "ANSWERED", with: "FLOW_OUT")
        #expect(journeyEvents(flowOut)?.1.map(\.kind) == [.acdEnd, .transferInitiated])
        // An agent who transfers: user.end with TRANSFER gives a transfer at the same time.
        let userEnd = #"""
        {"topicName":"v2.detail.events.conversation.\#(conv).user.end","eventBody":{"eventTime":1765551800000,
         "conversationId":"\#(conv)","participantId":"p3","mediaType":"CHAT","userId":"\#(agent)","queueId":"\#(q)",
         "disconnectType":"TRANSFER","interactingDurationMs":5000}}
        """#
        let (_, user) = try #require(journeyEvents(userEnd))
        #expect(user.map(\.kind) == [.userEnd, .transferInitiated])
        #expect(user.map(\.time) == [1_765_551_800_000, 1_765_551_800_000])
        #expect(user[0].agentID == agent && user[0].media == .chat && user[1].agentID == nil)
        let wrapup = #"""
        {"topicName":"v2.detail.events.conversation.\#(conv).wrapup","eventBody":{"eventTime":1765551900000,
         "conversationId":"\#(conv)","mediaType":"EMAIL","userId":"\#(agent)","wrapupCode":"resolved"}}
        """#
        #expect(journeyEvents(wrapup)?.1.first?.wrapupCode == "resolved")
        // Detail events a journey does not use are well-formed but give nothing.
        let flow = #"{"topicName":"v2.detail.events.conversation.\#(conv).flow.start","eventBody":{"eventTime":1,"conversationId":"x","mediaType":"VOICE"}}"#
        #expect(journeyEvents(flow)?.1.isEmpty == true)
        // No conversation or no time: malformed.
        let noTime = #"{"topicName":"v2.detail.events.conversation.\#(conv).acd.start","eventBody":{"conversationId":"x","mediaType":"VOICE"}}"#
        guard case .malformed(let kind, let detail) = normalizer.normalize(Array(noTime.utf8), receivedAt: 1) else {
            Issue.record("expected malformed")
            return
        }
        #expect(kind == "bad-body:detail.events" && detail.contains("eventTime"))
    }

    @Test func otherRoutingTopicsAreNotJourneys() {
        let users = #"{"topicName":"v2.routing.queues.\#(q).users","eventBody":{"id":"x"}}"#
        #expect(normalizer.normalize(Array(users.utf8), receivedAt: 1) == .ignored(topic: "v2.routing.queues.\(q).users"))
    }
}
