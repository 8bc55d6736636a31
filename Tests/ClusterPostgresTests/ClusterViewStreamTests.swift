import ClusterPostgres
import Foundation
import Hub
import Logging
import PostgresNIO
import PostgresStore
import PostgresTestSupport
import ServiceLifecycle
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The shared view stream on a real PostgreSQL (docs/scale-out.md, "Shared view stream"): a leader's deltas reach
/// a follower's hub under the same epoch and seq; a stale leader's rows are refused (fencing) and it is told;
/// a follower that starts late begins with the leader's state row.
@Suite(.serialized) struct ClusterViewStreamTests {
    final class Terms: Sendable {
        let terms = Mutex<[OrgID: Int64]>([:])
        let fenced = Mutex<[OrgID]>([])
        func term(_ org: OrgID) -> Int64? { terms.withLock { $0[org] } }
    }

    static let reader = HubPrincipal(name: "t", scopes: [.global], expiresAt: nil)

    static func hub(leading: Set<OrgID>) async throws -> StreamHub {
        let hub = try await StreamHub(configuration: ServerConfig(), auth: AuthConfig(), metrics: HubMetrics())
        hub.setOrgs(["us", "emea"])
        hub.setLedOrgs(leading)
        return hub
    }

    static func stream(_ hub: StreamHub, _ url: PostgresURL, _ terms: Terms,
                       stateInterval: Duration = .seconds(30), maxQueued: Int? = nil) throws -> ClusterViewStream {
        var options = ClusterViewStream.Options()
        options.stateInterval = stateInterval
        if let maxQueued { options.maxQueued = maxQueued }
        options.pollInterval = .milliseconds(200)
        options.retryDelay = .milliseconds(200)
        var logger = Logger(label: "test-stream")
        logger.logLevel = .warning
        let stream = ClusterViewStream(connection: try url.connectionConfiguration(), hub: hub, options: options,
                                       orgs: { ["us", "emea"] }, term: { terms.term($0) },
                                       onFenced: { org in terms.fenced.withLock { $0.append(org) } }, logger: logger)
        hub.setLedOrgs(hub.ledOrgs ?? [], export: { stream.publish($0) })
        return stream
    }

    static func agent(_ id: String, _ presence: String = "ON_QUEUE") -> EntityChange {
        EntityChange(kind: .agents, id: "us/\(id)", scope: .org("us"),
                     json: EncodedJSON(#"{"id":"us/\#(id)","presence":"\#(presence)"}"#))
    }

    static func agents(_ hub: StreamHub, _ topic: String) async throws -> [String] {
        let frame = try await hub.snapshot(topic: topic, for: reader).get()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: frame)) as? [String: Any])
        return ((json["data"] as? [String: Any])?["agents"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }.sorted()
    }

    static func setTerm(_ server: TestPostgresServer, _ url: PostgresURL, org: String, term: Int64) async throws {
        try await server.execute("""
            CREATE TABLE IF NOT EXISTS cluster_leadership (org text PRIMARY KEY, term bigint NOT NULL, leader text NOT NULL,
                                                           since timestamptz NOT NULL)
            """, database: url.database)
        try await server.execute("""
            INSERT INTO cluster_leadership VALUES ('\(org)', \(term), 'x', now()) ON CONFLICT (org) DO UPDATE SET term = \(term)
            """, database: url.database)
    }

    @Test func aFollowerAppliesTheLeadersRowsAndAStaleLeaderIsFenced() async throws {
        let server = try TestPostgresServer.shared.get()
        let url = try await server.createDatabase()
        try await Self.setTerm(server, url, org: "us", term: 1)
        let leaderTerms = Terms(), followerTerms = Terms(), staleTerms = Terms()
        leaderTerms.terms.withLock { $0["us"] = 1 }
        let leaderHub = try await Self.hub(leading: ["us"])
        let followerHub = try await Self.hub(leading: [])
        let leader = try Self.stream(leaderHub, url, leaderTerms)
        let follower = try Self.stream(followerHub, url, followerTerms)
        let group = ServiceGroup(configuration: .init(services: [leader, follower], gracefulShutdownSignals: [],
                                                      logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            leader.startedLeading("us")
            leaderHub.publish([Self.agent("a1"), Self.agent("a2")])
            leaderHub.flush()
            leaderHub.publish([Self.agent("a1", "AWAY")])
            leaderHub.flush()
            #expect(await Self.eventually { leaderHub.position(topic: "org:us")! == followerHub.position(topic: "org:us")! },
                    "the follower has the leader's epoch and seq")
            followerHub.flush()
            #expect(try await Self.agents(followerHub, "global") == ["us/a1", "us/a2"])

            // Another replica took us (term 2): the old leader's next rows are refused and it is told.
            try await Self.setTerm(server, url, org: "us", term: 2)
            leaderHub.publish([Self.agent("a3")])
            leaderHub.flush()
            #expect(await Self.eventually { leaderTerms.fenced.withLock { $0 } == ["us"] })
            #expect(leader.status.fenced >= 1)
            try await Task.sleep(for: .milliseconds(600))
            #expect(try await Self.agents(followerHub, "org:us") == ["us/a1", "us/a2"], "nothing of the stale leader applied")
            _ = staleTerms

            // A follower that starts now begins with the last state row.
            let lateHub = try await Self.hub(leading: [])
            let late = try Self.stream(lateHub, url, Terms())
            let lateGroup = ServiceGroup(configuration: .init(services: [late], gracefulShutdownSignals: [],
                                                              logger: Logger(label: "test")))
            tasks.addTask { try await lateGroup.run() }
            #expect(await Self.eventually { (try? await Self.agents(lateHub, "org:us")) == ["us/a1", "us/a2"] })
            #expect(lateHub.position(topic: "org:us")?.epoch == leaderHub.position(topic: "org:us")?.epoch)
            await lateGroup.triggerGracefulShutdown()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// A state that stands for deltas never written (here: every flush dropped, as when the leader's outbox
    /// overflows while the database is away; also a new session of the leader) is applied by a follower that is
    /// keeping up with the term, at once — not passed by as a checkpoint, leaving it behind until a delta that
    /// does not follow comes (none does here).
    @Test func aStateStandingForUnwrittenDeltasIsAppliedByAFollowerKeepingUp() async throws {
        // maxQueued 0: every flush's deltas are dropped and replaced by a state row.
        try await Self.withLeaderAndFollower(maxQueued: 0) { _, leaderHub, followerHub, leader, follower in
            for i in 0..<3 {
                leaderHub.publish([Self.agent("a\(i)")])
                leaderHub.flush()
                #expect(await Self.eventually { leaderHub.position(topic: "org:us")! == followerHub.position(topic: "org:us")! },
                        "flush \(i): the follower has the leader's seq; follower \(follower.status), leader \(leader.status)")
            }
            #expect(leader.status.dropped >= 3 && leader.status.rowsPublished == 0, "\(leader.status)")
            let agents = try await Self.agents(followerHub, "org:us")
            #expect(agents == ["us/a0", "us/a1", "us/a2"])
        }
    }

    /// A leader of `us` (term 1) and a follower on one fresh database, both running while `body` runs.
    static func withLeaderAndFollower(
        stateInterval: Duration = .seconds(30), maxQueued: Int? = nil,
        _ body: (PostgresURL, StreamHub, StreamHub, ClusterViewStream, ClusterViewStream) async throws -> Void
    ) async throws {
        let server = try TestPostgresServer.shared.get()
        let url = try await server.createDatabase()
        try await Self.setTerm(server, url, org: "us", term: 1)
        let leaderTerms = Terms()
        leaderTerms.terms.withLock { $0["us"] = 1 }
        let leaderHub = try await Self.hub(leading: ["us"])
        let followerHub = try await Self.hub(leading: [])
        let leader = try Self.stream(leaderHub, url, leaderTerms, stateInterval: stateInterval, maxQueued: maxQueued)
        let follower = try Self.stream(followerHub, url, Terms())
        let group = ServiceGroup(configuration: .init(services: [leader, follower], gracefulShutdownSignals: [],
                                                      logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            leader.startedLeading("us")
            try await body(url, leaderHub, followerHub, leader, follower)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// A periodic state row is a checkpoint for replicas that join or fall behind: the leader writes a pass's deltas
    /// before it, and a follower that is keeping up applies them and passes the state by unread — no new snapshot
    /// for its clients, its delta history (what they resume from) kept. (It used to take every state row, which
    /// wrote the pass's deltas into it: each follower's clients got a snapshot of megabytes every 30 s.)
    @Test func aFollowerKeepingUpPassesPeriodicStateRowsBy() async throws {
        // Every pass of the leader's publisher is due for a state row.
        try await Self.withLeaderAndFollower(stateInterval: .milliseconds(1)) { url, leaderHub, followerHub, leader, follower in
            for i in 0..<6 {
                leaderHub.publish([Self.agent("a\(i % 3)", i.isMultiple(of: 2) ? "AWAY" : "ON_QUEUE")])
                leaderHub.flush()
                #expect(await Self.eventually { leaderHub.position(topic: "org:us")! == followerHub.position(topic: "org:us")! },
                        "pass \(i): the follower has the leader's seq")
            }
            #expect(leader.status.statesPublished >= 4, "\(leader.status)")
            // A session that ended on either side (a loaded machine) starts that side over from a state row.
            let restarts = (leader.status.lastError == nil ? 0 : 1) + (follower.status.lastError == nil ? 0 : 1)
            #expect(follower.status.statesApplied == 1 + restarts,
                    "only the state it started from: follower \(follower.status), leader \(leader.status)")
            #expect(follower.status.rowsApplied >= 5 - restarts, "the deltas themselves: \(follower.status)")
            #expect(try await Self.agents(followerHub, "org:us") == ["us/a0", "us/a1", "us/a2"])
            // The bodies are stored without pglz (ViewStreamSQL.bodyStorage): 'e' = external.
            let c = try await PostgresConnection.connect(configuration: try url.connectionConfiguration(), id: 2,
                                                         logger: Logger(label: "test-storage"))
            let rows = try await c.query("""
                SELECT attstorage::text FROM pg_attribute WHERE attrelid = 'cluster_view_stream'::regclass AND attname = 'body'
                """, logger: Logger(label: "t"))
            var storage: [String] = []
            for try await s in rows.decode(String.self) { storage.append(s) }
            #expect(storage == ["e"])
            // State rows every pass delete what came before the previous one only once it is a minute old
            // (Options.rowRetention): a follower a little behind still finds the deltas before a checkpoint.
            let kept = try await c.query("SELECT count(*) FROM cluster_view_stream WHERE kind = 0", logger: Logger(label: "t"))
            var deltaRows = 0
            for try await n in kept.decode(Int64.self) { deltaRows = Int(n) }
            #expect(deltaRows >= 5, "every pass's deltas are still there, the first may be in the leader's first state (\(leader.status))")
            try await c.close()
        }
    }

    /// A take-over as a follower sees it: nobody leads us (stale), then a live replica holds its lock under term 2
    /// while its connector is still starting — the follower does not say "recovered" then — and the new leader's
    /// own stale (its take-over) and recovered (its org open) end it.
    @Test func aFollowerWaitsForTheNewLeaderToSayTheOrgIsOpen() async throws {
        let server = try TestPostgresServer.shared.get()
        let url = try await server.createDatabase()
        try await Self.setTerm(server, url, org: "us", term: 1)
        let followerHub = try await Self.hub(leading: [])
        let follower = try Self.stream(followerHub, url, Terms())
        let group = ServiceGroup(configuration: .init(services: [follower], gracefulShutdownSignals: [],
                                                      logger: Logger(label: "test")))
        @Sendable func usAlerts() -> [StreamAlert] { followerHub.alertLog().history.filter { $0.org == "us" } }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Term 1's leader `x` is not a live replica: us is shown stale.
            #expect(await Self.eventually { usAlerts().map(\.kind) == [.upstreamStale] }, "\(usAlerts())")

            // Replica `n` takes us (its lock held, its heartbeat fresh), term 2, and has written nothing yet.
            let lock = try await PostgresConnection.connect(configuration: try url.connectionConfiguration(), id: 1,
                                                            logger: Logger(label: "test-lock"))
            try await lock.query("SELECT pg_advisory_lock(\(LeadershipSQL.lockKey(for: "us")))", logger: Logger(label: "t"))
            try await server.execute("INSERT INTO cluster_replicas VALUES ('n', now(), false)", database: url.database)
            try await server.execute("UPDATE cluster_leadership SET term = 2, leader = 'n' WHERE org = 'us'", database: url.database)
            try await Task.sleep(for: .milliseconds(800))  // four leader checks
            #expect(usAlerts().map(\.kind) == [.upstreamStale], "not recovered before the new leader has said anything")

            // The new leader writes its state and its take-over stale, then its recovered once the org is open.
            let leaderTerms = Terms()
            leaderTerms.terms.withLock { $0["us"] = 2 }
            let leaderHub = try await Self.hub(leading: ["us"])
            let leader = try Self.stream(leaderHub, url, leaderTerms)
            let leaderGroup = ServiceGroup(configuration: .init(services: [leader], gracefulShutdownSignals: [],
                                                                logger: Logger(label: "test")))
            tasks.addTask { try await leaderGroup.run() }
            leader.startedLeading("us")
            leaderHub.publish([Self.agent("a1")])
            leaderHub.flush()
            leader.publish(alert: StreamAlert(kind: .upstreamStale, org: "us", since: 1, message: "us: now led by n"))
            #expect(await Self.eventually {
                followerHub.position(topic: "org:us").map { "\($0.epoch)/\($0.seq)" } == leaderHub.position(topic: "org:us").map { "\($0.epoch)/\($0.seq)" }
            })
            try await Task.sleep(for: .milliseconds(800))
            #expect(usAlerts().map(\.kind) == [.upstreamStale], "the leader's stale stands: \(usAlerts())")
            leader.publish(alert: StreamAlert(kind: .upstreamRecovered, org: "us", since: 2, message: "us: open again"))
            #expect(await Self.eventually { usAlerts().map(\.kind) == [.upstreamStale, .upstreamRecovered] }, "\(usAlerts())")
            #expect(usAlerts().last?.message == "us: open again", "the leader's recovered, not the follower's")
            try await Task.sleep(for: .milliseconds(600))
            #expect(usAlerts().count == 2, "nothing more: \(usAlerts())")
            try await lock.close()
            await leaderGroup.triggerGracefulShutdown()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    static func eventually(_ condition: @Sendable () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return await condition()
    }
}
