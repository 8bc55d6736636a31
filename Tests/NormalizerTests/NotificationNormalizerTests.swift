import Normalizer
import SwitchboardCore
import Testing

private let user = "8d3b6a2e-1111-4c6f-9d1e-0a1b2c3d4e5f"
private let queue = "3f1c2b4a-2222-4d5e-8f90-123456789abc"
private let normalizer = NotificationNormalizer(org: "us")

private func frame(_ s: String) -> [UInt8] { Array(s.utf8) }
private func ms(_ s: String) -> EpochMillis { Timestamp.parse(s)! }

@Suite struct ControlFrameTests {
    @Test func heartbeat() {
        #expect(normalizer.normalize(frame(#"{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}"#)) == .heartbeat)
    }

    @Test func pong() {
        #expect(normalizer.normalize(frame(#"{"topicName":"channel.metadata","eventBody":{"message":"pong"}}"#)) == .pong)
    }

    @Test func otherChannelMetadataIsIgnored() {
        #expect(normalizer.normalize(frame(#"{"topicName":"channel.metadata","eventBody":{"message":"hello"}}"#))
            == .ignored(topic: "channel.metadata"))
    }

    @Test func socketClosing() {
        #expect(normalizer.normalize(frame(#"{"topicName":"v2.system.socket_closing","eventBody":{"message":"WebSocket closing"}}"#))
            == .socketClosing)
    }

    @Test func noLongerSubscribedCarriesReason() {
        let f = #"{"topicName":"v2.system.no_longer_subscribed.streaming-0-abc","version":"2","eventBody":{"channelId":"streaming-0-abc","systemTopicType":"no_longer_subscribed","reason":"another_channel_subscribed","message":"evicted","data":{}},"metadata":{"CorrelationId":"x"}}"#
        #expect(normalizer.normalize(frame(f)) == .noLongerSubscribed(reason: "another_channel_subscribed"))
    }

    @Test func tokenRevoked() {
        let f = #"{"topicName":"v2.system.token_revoked.abc","eventBody":{"systemTopicType":"token_revoked","reason":"user_tokens_revoked"}}"#
        #expect(normalizer.normalize(frame(f)) == .tokenRevoked)
    }

    @Test func otherSystemTopic() {
        let f = #"{"topicName":"v2.system.abc.def","eventBody":{"systemTopicType":"subscription_changed"}}"#
        #expect(normalizer.normalize(frame(f)) == .systemOther(topic: "v2.system.abc.def"))
    }

    @Test func unknownTopicIsIgnored() {
        // (A queue's conversations are customer-journey events now: JourneyMappingTests.)
        let f = #"{"topicName":"v2.routing.queues.\#(queue).users","eventBody":{"id":"u1"}}"#
        #expect(normalizer.normalize(frame(f)) == .ignored(topic: "v2.routing.queues.\(queue).users"))
        #expect(normalizer.normalize(frame(#"{"topicName":"x","eventBody":{}}"#)) == .ignored(topic: "x"))
    }

    @Test func qualityEvaluationsYieldNoEventsYet() {
        let f = #"{"topicName":"v2.quality.evaluations","eventBody":{"id":"e1","agent":{"id":"a"}}}"#
        #expect(normalizer.normalize(frame(f)) == .events(topic: .qualityEvaluations, []))
    }
}

@Suite struct MalformedFrameTests {
    @Test(arguments: ["", "not json", "{\"topicName\":\"v2.users.x.presence\",\"eventBody\":{", "[1,2", "{\"topicName\":"])
    func notJSON(_ text: String) {
        guard case .malformed(let kind, _) = normalizer.normalize(frame(text)) else {
            Issue.record("expected malformed for \(text)")
            return
        }
        #expect(kind == "not-json")
    }

    @Test func noTopic() {
        #expect(normalizer.normalize(frame(#"{"eventBody":{"message":"x"}}"#)) == .malformed(kind: "no-topic", detail: "no topicName"))
    }

    @Test func wrongTypeInKnownFieldIsBadBody() {
        let f = #"{"topicName":"v2.users.\#(user).routingStatus","eventBody":{"routingStatus":{"status":5}}}"#
        guard case .malformed(let kind, let detail) = normalizer.normalize(frame(f)) else {
            Issue.record("expected malformed")
            return
        }
        #expect(kind == "bad-body:users.routingStatus")
        #expect(detail.contains("routingStatus.status"))
    }

    @Test func binaryGarbageNeverCrashes() {
        var bytes: [UInt8] = []
        var x: UInt32 = 12345
        for _ in 0..<4096 {
            x = x &* 1_103_515_245 &+ 12345
            bytes.append(UInt8(truncatingIfNeeded: x >> 16))
        }
        guard case .malformed = normalizer.normalize(bytes) else {
            Issue.record("expected malformed")
            return
        }
    }

    @Test func counterLogsOncePerKind() {
        var counter = MalformedCounter()
        let first = counter.record(normalizer.normalize(frame("nope")))
        let second = counter.record(normalizer.normalize(frame("nope either")))
        let third = counter.record(normalizer.normalize(frame(#"{"eventBody":{}}"#)))
        let control = counter.record(.heartbeat)
        #expect(first && !second && third && !control)
        #expect(counter.counts == ["not-json": 2, "no-topic": 1])
        #expect(counter.total == 3)
    }
}

@Suite struct UserTopicTests {
    @Test func presence() {
        let f = #"{"topicName":"v2.users.\#(user).presence","version":"2","eventBody":{"source":"PURECLOUD","presenceDefinition":{"id":"e08eaf1b","systemPresence":"On Queue"},"primary":true,"message":"","modifiedDate":"2026-05-07T10:00:00.000Z","futurePresenceDefinition":null},"metadata":{"CorrelationId":"2b1c"}}"#
        let expected = AgentStatusChange(agent: EntityID(org: "us", platformID: user), at: ms("2026-05-07T10:00:00.000Z"),
                                         presence: .onQueue)
        #expect(normalizer.normalize(frame(f)) == .events(topic: .userPresence, [.agentStatus(expected)]))
    }

    @Test func presenceWithoutTimeUsesReceiveTimeOrIsMalformed() {
        let f = #"{"topicName":"v2.users.\#(user).presence","eventBody":{"presenceDefinition":{"systemPresence":"Break"}}}"#
        #expect(normalizer.normalize(frame(f), receivedAt: 42)
            == .events(topic: .userPresence, [.agentStatus(AgentStatusChange(agent: EntityID(org: "us", platformID: user), at: 42, presence: .breakTime))]))
        guard case .malformed(let kind, _) = normalizer.normalize(frame(f)) else {
            Issue.record("expected malformed")
            return
        }
        #expect(kind == "no-time:users.presence")
    }

    @Test func routingStatus() {
        let f = #"{"topicName":"v2.users.\#(user).routingStatus","version":"2","eventBody":{"id":"\#(user)","routingStatus":{"status":"INTERACTING","startTime":"2026-05-07T10:00:05.123Z"},"errorInfo":null}}"#
        let expected = AgentStatusChange(agent: EntityID(org: "us", platformID: user), at: ms("2026-05-07T10:00:05.123Z"),
                                         routingStatus: .interacting)
        #expect(normalizer.normalize(frame(f)) == .events(topic: .userRoutingStatus, [.agentStatus(expected)]))
    }

    @Test func unknownRoutingStatusYieldsNothing() {
        let f = #"{"topicName":"v2.users.\#(user).routingStatus","eventBody":{"routingStatus":{"status":"DANCING","startTime":"2026-05-07T10:00:05.123Z"}}}"#
        #expect(normalizer.normalize(frame(f)) == .events(topic: .userRoutingStatus, []))
    }

    @Test func activityWithEqualTimesIsOneChange() {
        let t = "2026-05-07T10:00:00.000Z"
        let f = #"{"topicName":"v2.users.\#(user).activity","eventBody":{"id":"\#(user)","routingStatus":{"status":"IDLE","startTime":"\#(t)"},"presence":{"presenceDefinition":{"id":"p","systemPresence":"On Queue"},"presenceMessage":"","modifiedDate":"\#(t)"},"outOfOffice":{"active":false,"modifiedDate":"\#(t)"},"activeQueueIds":["\#(queue)"],"dateActiveQueuesChanged":"\#(t)"}}"#
        let expected = AgentStatusChange(agent: EntityID(org: "us", platformID: user), at: ms(t), presence: .onQueue,
                                         routingStatus: .idle, activeQueues: [EntityID(org: "us", platformID: queue)])
        #expect(normalizer.normalize(frame(f)) == .events(topic: .userActivity, [.agentStatus(expected)]))
    }

    @Test func activityWithDistinctTimesIsTwoChangesInTimeOrder() {
        let f = #"{"topicName":"v2.users.\#(user).activity","eventBody":{"id":"\#(user)","routingStatus":{"status":"INTERACTING","startTime":"2026-05-07T10:05:00.000Z"},"presence":{"presenceDefinition":{"systemPresence":"ON_QUEUE"},"modifiedDate":"2026-05-07T09:00:00.000Z"},"activeQueueIds":[]}}"#
        let agent = EntityID(org: "us", platformID: user)
        #expect(normalizer.normalize(frame(f)) == .events(topic: .userActivity, [
            .agentStatus(AgentStatusChange(agent: agent, at: ms("2026-05-07T09:00:00.000Z"), presence: .onQueue)),
            .agentStatus(AgentStatusChange(agent: agent, at: ms("2026-05-07T10:05:00.000Z"), routingStatus: .interacting,
                                           activeQueues: [])),
        ]))
    }

    @Test func unknownFieldsAndNullsAreTolerated() {
        let f = #"{"topicName":"v2.users.\#(user).presence","version":"3","newThing":[1,{"a":null}],"eventBody":{"presenceDefinition":{"systemPresence":"Away","extra":{"deep":[true]}},"modifiedDate":"2026-05-07T10:00:00Z","futurePresenceDefinition":{"x":1},"primary":null},"metadata":null}"#
        #expect(normalizer.normalize(frame(f)) == .events(topic: .userPresence, [
            .agentStatus(AgentStatusChange(agent: EntityID(org: "us", platformID: user), at: ms("2026-05-07T10:00:00.000Z"),
                                           presence: .away)),
        ]))
    }

    @Test func topicAfterBodyWithNestedTopicNameIsRoutedByTheEnvelope() {
        let f = #"{"eventBody":{"topicName":"v2.system.socket_closing","presenceDefinition":{"systemPresence":"Meal"},"modifiedDate":"2026-05-07T10:00:00.000Z"},"topicName":"v2.users.\#(user).presence"}"#
        #expect(normalizer.normalize(frame(f)) == .events(topic: .userPresence, [
            .agentStatus(AgentStatusChange(agent: EntityID(org: "us", platformID: user), at: ms("2026-05-07T10:00:00.000Z"),
                                           presence: .meal)),
        ]))
    }
}

@Suite struct ObservationTopicTests {
    @Test func mediaTypeGroup() {
        let f = #"{"topicName":"v2.analytics.queues.\#(queue).observations","eventBody":{"group":{"queueId":"\#(queue)","mediaType":"voice"},"data":[{"interval":"2026-05-07T10:00:00.000Z/2026-05-07T10:30:00.000Z","metrics":[{"metric":"oWaiting","stats":{"count":3},"observations":[{"observationDate":"2026-05-07T10:12:00.000Z","conversationId":"c1"},{"observationDate":"2026-05-07T10:10:00.000Z","conversationId":"c2"}]},{"metric":"oInteracting","stats":{"count":5}},{"metric":"oAlerting","stats":{"count":1.0}},{"metric":"tAnswered","stats":{"count":12,"sum":48000,"min":1200,"max":9100}}]}]}}"#
        let expected = QueueObservation(queue: EntityID(org: "us", platformID: queue), at: 99, mediaType: "voice",
                                        waiting: 3, interacting: 5, alerting: 1,
                                        oldestWaitingSince: ms("2026-05-07T10:10:00.000Z"))
        #expect(normalizer.normalize(frame(f), receivedAt: 99) == .events(topic: .queueObservations, [.queueObservation(expected)]))
        // Without a receive time, the newest time in the body is used.
        guard case .events(_, let events) = normalizer.normalize(frame(f)),
            case .queueObservation(let o) = events.first
        else {
            Issue.record("expected an observation")
            return
        }
        #expect(o.at == ms("2026-05-07T10:12:00.000Z"))
    }

    @Test func userLevelGroup() {
        let f = #"{"topicName":"v2.analytics.queues.\#(queue).observations","eventBody":{"group":{"queueId":"\#(queue)"},"data":[{"interval":"2026-05-07T10:00:00.000Z/2026-05-07T10:30:00.000Z","metrics":[{"metric":"oUserRoutingStatuses","qualifier":"IDLE","stats":{"count":2}},{"metric":"oUserRoutingStatuses","qualifier":"INTERACTING","stats":{"count":5}},{"metric":"oOnQueueUsers","qualifier":"e08eaf1b","stats":{"count":7}},{"metric":"oOnQueueUsers","qualifier":"other","stats":{"count":1}},{"metric":"oLongestWaiting","stats":{"max":61000}}]}]}}"#
        let expected = QueueObservation(queue: EntityID(org: "us", platformID: queue), at: 5, mediaType: nil,
                                        onQueueAgents: 8, routingStatuses: [.idle: 2, .interacting: 5],
                                        longestWaitMs: 61000)
        #expect(normalizer.normalize(frame(f), receivedAt: 5) == .events(topic: .queueObservations, [.queueObservation(expected)]))
    }

    @Test func aggregatesOnlyBodyYieldsNothing() {
        let f = #"{"topicName":"v2.analytics.queues.\#(queue).observations","eventBody":{"group":{"queueId":"\#(queue)","mediaType":"voice"},"data":[{"interval":"2026-05-07T10:00:00.000Z/2026-05-07T10:30:00.000Z","metrics":[{"metric":"tAnswered","stats":{"count":1}}]}]}}"#
        #expect(normalizer.normalize(frame(f), receivedAt: 5) == .events(topic: .queueObservations, []))
    }
}
