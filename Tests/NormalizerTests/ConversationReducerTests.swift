import Normalizer
import SwitchboardCore
import Testing

private let agentA = "aaaaaaaa-0000-4000-8000-000000000001"
private let agentB = "bbbbbbbb-0000-4000-8000-000000000002"
private let q = "qqqqqqqq-0000-4000-8000-000000000003"
private let normalizer = NotificationNormalizer(org: "emea")

private func ms(_ s: String) -> EpochMillis { Timestamp.parse(s)! }

private func interactions(_ json: String, receivedAt: EpochMillis? = nil) -> [AgentInteraction] {
    guard case .events(let topic, let events) = normalizer.normalize(Array(json.utf8), receivedAt: receivedAt) else {
        Issue.record("expected events")
        return []
    }
    #expect(topic == .userConversations)
    return events.compactMap { if case .agentInteraction(let x) = $0 { x } else { nil } }
}

private func envelope(_ body: String) -> String {
    #"{"topicName":"v2.users.\#(agentA).conversations","version":"2","eventBody":\#(body),"metadata":{"CorrelationId":"c"}}"#
}

private let customer = #"{"id":"p0","purpose":"customer","queueId":"\#(q)","address":"tel:+1555","connectedTime":"2026-05-07T10:00:00.000Z","endTime":null,"wrapupRequired":false,"attributes":{},"calls":[{"id":"k0","state":"connected","direction":"inbound","held":false,"muted":false,"recording":false,"self":{"addressNormalized":"tel:+1555"},"other":{},"connectedTime":"2026-05-07T10:00:00.000Z","disconnectedTime":null,"disconnectType":null,"provider":"Edge"}]}"#

@Suite struct ConversationReducerTests {
    @Test func connectedAndHeld() {
        let body = #"{"id":"conv-1","maxParticipants":3,"recordingState":"none","participants":[\#(customer),{"id":"p1","purpose":"agent","userId":"\#(agentA)","queueId":"\#(q)","wrapupExpected":true,"wrapup":null,"startAcwTime":null,"endAcwTime":null,"calls":[{"id":"k1","state":"connected","held":true,"connectedTime":"2026-05-07T10:00:30.000Z","disconnectedTime":null}]}],"recentTransfers":[],"divisions":[]}"#
        let xs = interactions(envelope(body))
        #expect(xs == [AgentInteraction(agent: EntityID(org: "emea", platformID: agentA), conversationID: "conv-1",
                                         queue: EntityID(org: "emea", platformID: q), mediaType: "voice",
                                         observedAt: ms("2026-05-07T10:00:30.000Z"),
                                         connectedAt: ms("2026-05-07T10:00:30.000Z"), held: true, wrapupExpected: true)])
    }

    @Test func disconnectedWithAfterCallWork() {
        let body = #"{"id":"conv-2","participants":[\#(customer),{"id":"p1","purpose":"agent","userId":"\#(agentA)","queueId":"\#(q)","wrapupRequired":true,"wrapup":{"code":"sale","notes":"n"},"startAcwTime":"2026-05-07T10:05:00.000Z","endAcwTime":"2026-05-07T10:06:00.000Z","calls":[{"id":"k1","state":"disconnected","held":false,"connectedTime":"2026-05-07T10:00:30.000Z","disconnectedTime":"2026-05-07T10:05:00.000Z","disconnectType":"client"}]}]}"#
        let xs = interactions(envelope(body))
        #expect(xs.count == 1)
        let x = xs[0]
        #expect(x.connectedAt == ms("2026-05-07T10:00:30.000Z"))
        #expect(x.disconnectedAt == ms("2026-05-07T10:05:00.000Z"))
        #expect(x.acwStartAt == ms("2026-05-07T10:05:00.000Z"))
        #expect(x.acwEndAt == ms("2026-05-07T10:06:00.000Z"))
        #expect(x.wrapupExpected)
        #expect(x.wrapupCode == "sale")
        #expect(!x.held)
        #expect(x.observedAt == ms("2026-05-07T10:06:00.000Z"))
    }

    @Test func transferGivesBothAgents() {
        let body = #"{"id":"conv-3","participants":[\#(customer),{"id":"p1","purpose":"agent","userId":"\#(agentA)","queueId":"\#(q)","startAcwTime":"2026-05-07T10:03:00.000Z","endAcwTime":null,"calls":[{"id":"k1","state":"disconnected","connectedTime":"2026-05-07T10:00:30.000Z","disconnectedTime":"2026-05-07T10:03:00.000Z","disconnectType":"transfer"}]},{"id":"p2","purpose":"agent","userId":"\#(agentB)","calls":[{"id":"k2","state":"connected","connectedTime":"2026-05-07T10:03:02.000Z"}]},{"id":"p3","purpose":"acd","queueId":"\#(q)"}]}"#
        let xs = interactions(envelope(body))
        #expect(xs.map(\.agent.platformID) == [agentA, agentB])
        #expect(xs[0].disconnectedAt == ms("2026-05-07T10:03:00.000Z"))
        #expect(xs[0].acwStartAt == ms("2026-05-07T10:03:00.000Z"))
        #expect(xs[0].acwEndAt == nil)
        #expect(xs[1].connectedAt == ms("2026-05-07T10:03:02.000Z"))
        #expect(xs[1].disconnectedAt == nil)
        #expect(xs[1].queue == nil)
        #expect(xs.allSatisfy { $0.observedAt == ms("2026-05-07T10:03:02.000Z") })
    }

    @Test func sameUserTwiceIsMerged() {
        let body = #"{"id":"conv-4","participants":[{"id":"p1","purpose":"agent","userId":"\#(agentA)","calls":[{"state":"disconnected","connectedTime":"2026-05-07T10:00:00.000Z","disconnectedTime":"2026-05-07T10:01:00.000Z"}]},{"id":"p2","purpose":"agent","userId":"\#(agentA)","chats":[{"state":"connected","connectedTime":"2026-05-07T10:02:00.000Z"}]}]}"#
        let xs = interactions(envelope(body))
        #expect(xs.count == 1)
        #expect(xs[0].connectedAt == ms("2026-05-07T10:00:00.000Z"))
        #expect(xs[0].disconnectedAt == nil)
    }

    @Test func alertingOnlyAndNullsAreTolerated() {
        let body = #"{"id":"conv-5","participants":[{"id":"p1","purpose":"agent","userId":"\#(agentA)","queueId":null,"wrapup":null,"calls":[{"id":"k","state":"alerting","held":null,"connectedTime":null}],"emails":null},{"purpose":null},{"purpose":"agent","userId":null}]}"#
        let xs = interactions(envelope(body), receivedAt: 7)
        #expect(xs.count == 1)
        #expect(xs[0].connectedAt == nil)
        #expect(xs[0].observedAt == 7)
    }

    @Test func snapshotLargerThan16KiB() {
        var attrs: [String] = []
        for i in 0..<400 { attrs.append(#""attr\#(i)":"\#(String(repeating: "x", count: 40))""#) }
        let big = #"{"id":"p0","purpose":"customer","attributes":{\#(attrs.joined(separator: ","))},"calls":[]}"#
        let body = #"{"id":"conv-6","participants":[\#(big),{"id":"p1","purpose":"agent","userId":"\#(agentA)","emails":[{"state":"connected","connectedTime":"2026-05-07T10:00:00.000Z"}]}]}"#
        let json = envelope(body)
        #expect(json.utf8.count > 16 * 1024)
        let xs = interactions(json)
        #expect(xs.count == 1)
        #expect(xs[0].mediaType == "email")
        #expect(xs[0].connectedAt == ms("2026-05-07T10:00:00.000Z"))
    }
}

@Suite struct ConversationMergeTests {
    @Test func openAfterCallWorkOnAnyParticipantKeepsTheEndOpen() {
        let body = #"{"id":"conv-7","participants":[{"id":"p1","purpose":"agent","userId":"\#(agentA)","startAcwTime":"2026-05-07T10:01:00.000Z","endAcwTime":"2026-05-07T10:02:00.000Z","calls":[{"state":"disconnected","connectedTime":"2026-05-07T10:00:00.000Z","disconnectedTime":"2026-05-07T10:01:00.000Z"}]},{"id":"p2","purpose":"agent","userId":"\#(agentA)","startAcwTime":"2026-05-07T10:05:00.000Z","calls":[{"state":"disconnected","connectedTime":"2026-05-07T10:03:00.000Z","disconnectedTime":"2026-05-07T10:05:00.000Z"}]}]}"#
        let xs = interactions(envelope(body))
        #expect(xs.count == 1)
        #expect(xs.first?.acwStartAt == ms("2026-05-07T10:05:00.000Z"))
        #expect(xs.first?.acwEndAt == nil)
        #expect(xs.first?.disconnectedAt == ms("2026-05-07T10:05:00.000Z"))
    }
}
