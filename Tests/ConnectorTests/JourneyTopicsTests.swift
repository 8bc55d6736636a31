import Connector
import Testing

/// Orgs with journeys also subscribe each watched queue's conversations (docs/journeys.md, "Sources"), within the
/// platform's 1,000 topics per channel.
@Suite struct JourneyTopicsTests {
    static let users = (0..<3).map { "u\($0)" }
    static let queues = (0..<2).map { "q\($0)" }

    @Test func queueConversationTopicsOnlyForJourneys() {
        let without = OrgConnector.topics(users: Self.users, queues: Self.queues)
        #expect(!without.contains { $0.hasPrefix("v2.routing.") })
        let with = OrgConnector.topics(users: Self.users, queues: Self.queues, journeys: true)
        #expect(with.filter { $0.hasPrefix("v2.routing.") } == ["v2.routing.queues.q0.conversations",
                                                                 "v2.routing.queues.q1.conversations"])
        // One topic per queue carries every media; nothing else changes.
        #expect(Set(with).subtracting(without).count == Self.queues.count)
        #expect(with.count == without.count + Self.queues.count)
    }

    @Test func theyShareTheChannelBudget() {
        // 400 agents (800 topics) and 150 queues (300 with journeys) and quality: 1,101 topics, two channels.
        let users = (0..<400).map { "u\($0)" }
        let queues = (0..<150).map { "q\($0)" }
        let topics = OrgConnector.topics(users: users, queues: queues, journeys: true)
        #expect(topics.count == 1_101)
        let batches = ChannelStateMachine.batches(topics, perChannel: 1000)
        #expect(batches.map(\.count) == [1000, 101])
        #expect(Set(topics).count == topics.count)
    }
}
