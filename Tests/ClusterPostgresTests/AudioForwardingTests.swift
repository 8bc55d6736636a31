import Cluster
import ClusterPostgres
import Foundation
import Logging
import PostgresStore
import PostgresTestSupport
import ServiceLifecycle
import Synchronization
import SwitchboardCore
import Testing

/// AudioHook forwarding on a real PostgreSQL (docs/scale-out.md, "AudioHook on any replica"): what a replica not
/// leading an org forwards reaches the org's leader once, in order; the leader does not take its own rows; a
/// replica that begins leading the org later reads the rows of the replay window.
@Suite(.serialized) struct AudioForwardingTests {
    final class Received: Sendable {
        let box = Mutex<[SpeechEvent]>([])
        let hits = Mutex<[TranscriptEvent]>([])
        let led: Mutex<Set<OrgID>>
        init(led: Set<OrgID>) { self.led = Mutex(led) }
        var speech: [SpeechEvent] { box.withLock { $0 } }
    }

    static func forwarding(_ url: PostgresURL, replica: String, _ received: Received) throws -> AudioForwarding {
        var options = AudioForwarding.Options()
        options.pollInterval = .milliseconds(200)
        options.flushInterval = .milliseconds(50)
        options.retryDelay = .milliseconds(200)
        var logger = Logger(label: "test-forwarding")
        logger.logLevel = .warning
        let f = AudioForwarding(connection: try url.connectionConfiguration(), replica: replica, options: options,
                                led: { received.led.withLock { $0 } }, logger: logger)
        f.attach { _, record in
            received.box.withLock { $0 += record.speech }
            received.hits.withLock { $0 += record.transcripts }
        }
        return f
    }

    static func progress(_ s: String, _ ms: Int64) -> SpeechEvent {
        .progress(SpeechSessionProgress(org: "emea", session: s, at: ms, metrics: SpeechMetrics(analysedMs: ms)))
    }

    @Test func aNonLeadersSessionsReachTheLeaderOnceAndInOrder() async throws {
        let server = try TestPostgresServer.shared.get()
        let url = try await server.createDatabase()
        let leaderSeen = Received(led: ["emea"]), hostSeen = Received(led: ["us"])
        let leader = try Self.forwarding(url, replica: "r1", leaderSeen)
        let host = try Self.forwarding(url, replica: "r2", hostSeen)
        let group = ServiceGroup(configuration: .init(services: [leader, host], gracefulShutdownSignals: [],
                                                      logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let opened = SpeechEvent.opened(SpeechSessionOpened(org: "emea", session: "s1", conversationID: "c1", openedAt: 1))
            let events = [opened] + (1...20).map { Self.progress("s1", Int64($0) * 100) }
            for e in events {
                host.forward(speech: [e])
                try await Task.sleep(for: .milliseconds(10))
            }
            let hit = TranscriptEvent.spotted(SpottedKeyword(org: "emea", conversationID: "c1", channel: .customer,
                                                             phrase: "refund", label: "refund", offsetMs: 5, score: 1, at: 2))
            host.forward(transcripts: [hit])
            #expect(await Self.eventually { leaderSeen.speech.count >= events.count && !leaderSeen.hits.withLock({ $0 }).isEmpty })
            // A few more reads: nothing is taken twice.
            try await Task.sleep(for: .milliseconds(800))
            #expect(leaderSeen.speech == events)
            #expect(leaderSeen.hits.withLock { $0 } == [hit])
            // The leader's own rows are not read back by it (what it forwards is for others)…
            leader.forward(speech: [Self.progress("x", 1)])
            try await Task.sleep(for: .milliseconds(800))
            #expect(!leaderSeen.speech.contains(Self.progress("x", 1)))
            // …and the host, which leads no emea, reads none.
            #expect(hostSeen.speech.isEmpty)
            #expect(host.status.rowsWritten >= 1 && leader.status.rowsRead >= 1)

            // The host begins leading emea (a take-over): it reads the replay window, which holds the row `r1` wrote.
            hostSeen.led.withLock { $0 = ["us", "emea"] }
            #expect(await Self.eventually { hostSeen.speech == [Self.progress("x", 1)] }, "\(hostSeen.speech)")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func aLiveSessionIsAnnouncedAgainForALeaderThatTakesOverLate() async throws {
        let server = try TestPostgresServer.shared.get()
        let url = try await server.createDatabase()
        let lateSeen = Received(led: [])
        var options = AudioForwarding.Options()
        options.flushInterval = .milliseconds(50)
        options.pollInterval = .milliseconds(200)
        // The new leader looks back only 1 s (at its first read and after): it learns the session from the `opened` sent again.
        options.replay = .seconds(1)
        options.lookback = .seconds(1)
        options.reopenInterval = .seconds(3)
        let late = AudioForwarding(connection: try url.connectionConfiguration(), replica: "r1", options: options,
                                   led: { lateSeen.led.withLock { $0 } })
        late.attach { _, record in lateSeen.box.withLock { $0 += record.speech } }
        let hostSeen = Received(led: [])
        let host = AudioForwarding(connection: try url.connectionConfiguration(), replica: "r2", options: options,
                                   led: { hostSeen.led.withLock { $0 } })
        let group = ServiceGroup(configuration: .init(services: [late, host], gracefulShutdownSignals: [],
                                                      logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let opened = SpeechEvent.opened(SpeechSessionOpened(org: "emea", session: "s1", conversationID: "c1", openedAt: 1))
            host.forward(speech: [opened, Self.progress("s1", 100)])
            #expect(await Self.eventually { host.status.rowsWritten >= 1 })
            // The row is now older than the new leader's replay window when it begins leading.
            try await Task.sleep(for: .seconds(2))
            lateSeen.led.withLock { $0 = ["emea"] }
            // Keep reporting: within the reopen interval the opened goes again, first in its row.
            let seen = await Self.eventually(seconds: 20) {
                host.forward(speech: [Self.progress("s1", 200)])
                return lateSeen.speech.contains(opened)
            }
            #expect(seen, "\(lateSeen.speech.prefix(5))")
            #expect(!lateSeen.speech.contains(Self.progress("s1", 100)), "the row before the replay window is not read")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    static func eventually(seconds: Double = 20, _ condition: @Sendable () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return await condition()
    }
}
