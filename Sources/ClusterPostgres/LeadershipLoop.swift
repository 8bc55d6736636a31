import Cluster
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization
import SwitchboardConfig
import SwitchboardCore

// MARK: - The loop

enum BoundedOutcome<T: Sendable>: Sendable { case done(T), timedOut }

struct QueryTimedOut: Error, CustomStringConvertible {
    let timeout: Duration
    var description: String { "no answer within \(timeout)" }
}

/// The state of one `run()`: lives in its task only.
final class LeadershipLoop {
    let service: LeadershipService
    var machine: LeadershipStateMachine
    var connection: PostgresConnection?
    /// Bumped at every session opening attempt and every loss: a result or an end reported for another value
    /// belongs to a session already given up.
    var attempt = 0
    var finished = false
    var shutdownStarted = false
    var pending: [(action: LeadershipStateMachine.Action, attempt: Int)] = []
    var logger: Logger { service.logger }

    init(service: LeadershipService) {
        self.service = service
        self.machine = LeadershipStateMachine(.init(replica: service.options.replica,
                                                    replicaTimeout: service.options.replicaTimeout,
                                                    backoff: service.options.backoff))
    }

    /// Child tasks to start (the ticker, session openings, watchers, the shutdown deadline).
    var jobs: [@Sendable () async -> Void] = []

    func run() async {
        let input = service.input
        let sleep = service.sleep
        let leaseCheck = service.options.leaseCheck
        jobs.append {
            while !Task.isCancelled {
                do { try await sleep(leaseCheck) } catch { return }
                input.yield(.tick)
            }
        }
        await withDiscardingTaskGroup { group in
            enqueue(machine.orgsConfigured(service.initialOrgs))
            enqueue(machine.start())
            await drain()
            var iterator = service.events.makeAsyncIterator()
            for job in takeJobs() { group.addTask(operation: job) }
            while let event = await iterator.next() {
                await handle(event)
                await drain()
                for job in takeJobs() { group.addTask(operation: job) }
                if finished { break }
            }
            await finish(&iterator)
            group.cancelAll()
        }
    }

    func takeJobs() -> [@Sendable () async -> Void] {
        defer { jobs = [] }
        return jobs
    }

    func finish(_ iterator: inout AsyncStream<LeadershipService.Event>.Iterator) async {
        // Finished, or cancelled: nothing may keep running under a lock this replica is about to lose.
        for org in machine.leading.keys.sorted() { service.stopConnector(org) }
        await closeConnection()
        service.publish(machine.status)
        // A session opened meanwhile is closed: those still buffered here, those reported later by the opener
        // (its report is refused once the stream is finished).
        service.input.finish()
        while let event = await iterator.next() {
            if case .opened(_, let late) = event { try? await late.close() }
        }
    }

    func enqueue(_ actions: [LeadershipStateMachine.Action]) {
        pending += actions.map { ($0, attempt) }
    }

    func handle(_ event: LeadershipService.Event) async {
        switch event {
        case .tick:
            enqueue(machine.tick(now: service.now()))
        case .opened(let id, let newConnection):
            guard id == attempt, connection == nil, !finished else {
                try? await newConnection.close()
                return
            }
            connection = newConnection
            let input = service.input
            jobs.append {
                // Completes when the connection ends, whoever closed it.
                try? await newConnection.closeFuture.get()
                input.yield(.closed(attempt: id))
            }
            logger.info("leadership session open")
            enqueue(machine.sessionOpened(now: service.now()))
        case .openFailed(let id, let reason):
            guard id == attempt else { return }
            logger.warning("leadership session could not be opened: \(reason)")
            enqueue(machine.sessionLost(reason: reason, now: service.now()))
        case .closed(let id):
            guard id == attempt, connection != nil else { return }
            await lose("the connection ended")
        case .connectorStopped(let org):
            enqueue(machine.connectorStopped(org))
        case .orgs(let orgs):
            enqueue(machine.orgsConfigured(orgs))
        case .shutdown:
            guard !shutdownStarted else { return }
            shutdownStarted = true
            logger.info("leadership: graceful shutdown, handing the orgs over")
            let input = service.input
            let timeout = service.options.shutdownTimeout
            let sleep = service.sleep
            jobs.append {
                do { try await sleep(timeout) } catch { return }
                input.yield(.shutdownDeadline)
            }
            enqueue(machine.shutdown())
        case .shutdownDeadline:
            logger.warning("leadership: shutdown did not complete within \(service.options.shutdownTimeout); closing the session (its locks go with it)")
            finished = true
        }
    }

    /// Reports the session lost (closing it), which stops every connector and schedules the reopening.
    func lose(_ reason: String) async {
        attempt += 1
        await closeConnection()
        logger.warning("leadership session lost: \(reason)")
        enqueue(machine.sessionLost(reason: reason, now: service.now()))
    }

    func closeConnection() async {
        guard let connection else { return }
        self.connection = nil
        try? await connection.close()
    }

    /// Performs the pending actions in order, feeding each result back (its actions join the queue).
    func drain() async {
        while !pending.isEmpty {
            let (action, issuedOn) = pending.removeFirst()
            switch action {
            case .openSession(let delay):
                attempt += 1
                openSession(after: delay, attempt: attempt)
            case .startConnector(let org, let term):
                logger.info("leading \(org) with term \(term)")
                service.startConnector(org, term)
            case .stopConnector(let org):
                logger.info("stopping the connector of \(org)")
                service.stopConnector(org)
            case .finished:
                finished = true
            case .heartbeat, .readReplicas, .tryLock, .unlock, .markGone:
                // Issued on a session since lost: dropped, neither run nor reported.
                guard issuedOn == attempt, let connection else { continue }
                do {
                    try await perform(action, on: connection)
                } catch {
                    if action == .markGone {
                        logger.warning("could not mark this replica gone: \(error)")
                    } else if issuedOn == attempt {
                        await lose("\(action): \(String(reflecting: error))")
                    }
                }
            }
            service.publish(machine.status)
        }
        service.publish(machine.status)
    }

    func perform(_ action: LeadershipStateMachine.Action, on connection: PostgresConnection) async throws {
        let me = service.options.replica
        switch action {
        case .heartbeat:
            _ = try await query(connection) { c, logger in
                try await c.query("""
                    INSERT INTO cluster_replicas (name, heartbeat, gone) VALUES (\(me), now(), false)
                    ON CONFLICT (name) DO UPDATE SET heartbeat = now(), gone = false
                    """, logger: logger)
            }
        case .readReplicas:
            let ages = try await query(connection) { c, logger in
                var ages: [String: Int64] = [:]
                let rows = try await c.query("""
                    SELECT name, (extract(epoch FROM now() - heartbeat) * 1000)::bigint FROM cluster_replicas r
                    WHERE NOT gone AND (name = \(me) OR EXISTS (
                        SELECT 1 FROM pg_stat_activity a
                        WHERE a.application_name = left('switchboard-leader-' || r.name, 63)))
                    """, logger: logger)
                for try await (name, age) in rows.decode((String, Int64).self) { ages[name] = age }
                return ages
            }
            let now = service.now()
            enqueue(machine.replicasSeen(ages.mapValues { now - max(0, $0) }, now: now))
        case .tryLock(let org):
            let key = LeadershipSQL.lockKey(for: org)
            // One round trip: the lock, and when granted the new term. `l` is read twice, so it is evaluated
            // once; a data-modifying CTE runs exactly once.
            let (acquired, term) = try await query(connection) { c, logger in
                let rows = try await c.query("""
                    WITH l AS (SELECT pg_try_advisory_lock(\(key)) AS got),
                    t AS (INSERT INTO cluster_leadership AS c (org, term, leader, since)
                          SELECT \(org.rawValue), 1, \(me), now() FROM l WHERE l.got
                          ON CONFLICT (org) DO UPDATE SET term = c.term + 1, leader = EXCLUDED.leader, since = now()
                          RETURNING c.term)
                    SELECT l.got, (SELECT term FROM t) FROM l
                    """, logger: logger)
                for try await row in rows.decode((Bool, Int64?).self) { return row }
                return (false, nil)
            }
            enqueue(machine.lockResult(org, acquired: acquired, term: term))
        case .unlock(let org):
            let key = LeadershipSQL.lockKey(for: org)
            let released = try await query(connection) { c, logger in
                let rows = try await c.query("SELECT pg_advisory_unlock(\(key))", logger: logger)
                for try await released in rows.decode(Bool.self) { return released }
                return false
            }
            if !released { logger.warning("the lock of \(org) was not held by this session") }
            enqueue(machine.unlockDone(org))
        case .markGone:
            _ = try await query(connection) { c, logger in
                try await c.query("UPDATE cluster_replicas SET gone = true WHERE name = \(me)", logger: logger)
            }
        case .openSession, .startConnector, .stopConnector, .finished:
            break
        }
    }

    /// Runs `body` bounded by the query timeout; on expiry closes the connection (which fails the query) and
    /// throws ``QueryTimedOut``.
    func query<T: Sendable>(_ connection: PostgresConnection,
                            _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        try await Self.bounded(connection, timeout: service.options.queryTimeout, logger: logger, body)
    }

    static func bounded<T: Sendable>(_ connection: PostgresConnection, timeout: Duration, logger: Logger,
                                     _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: BoundedOutcome<T>.self) { group in
            group.addTask { .done(try await body(connection, logger)) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return .timedOut
            }
            defer { group.cancelAll() }
            switch try await group.next()! {
            case .done(let value):
                return value
            case .timedOut:
                try? await connection.close()
                throw QueryTimedOut(timeout: timeout)
            }
        }
    }

    /// Waits `delay`, connects and creates the tables if missing, in a child task; reports ``Event/opened`` or
    /// ``Event/openFailed``.
    func openSession(after delay: Duration, attempt id: Int) {
        let input = service.input
        let sleep = service.sleep
        let configuration = service.connection
        let timeout = service.options.queryTimeout
        let logger = service.logger
        jobs.append {
            await Self.open(after: delay, attempt: id, input: input, sleep: sleep, configuration: configuration,
                            timeout: timeout, logger: logger)
        }
    }

    static func open(after delay: Duration, attempt id: Int, input: AsyncStream<LeadershipService.Event>.Continuation,
                     sleep: @Sendable (Duration) async throws -> Void,
                     configuration: PostgresConnection.Configuration, timeout: Duration, logger: Logger) async {
        if delay > .zero {
            do { try await sleep(delay) } catch { return }
        }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
        } catch {
            input.yield(.openFailed(attempt: id, reason: "connect: \(String(reflecting: error))"))
            return
        }
        do {
            try await Self.bounded(connection, timeout: timeout, logger: logger) { c, logger in
                // Under a transaction-scoped lock: CREATE TABLE IF NOT EXISTS races with itself.
                try await c.query("BEGIN", logger: logger)
                try await c.query("SELECT pg_advisory_xact_lock(\(LeadershipSQL.schemaLockKey))", logger: logger)
                try await c.query(PostgresQuery(unsafeSQL: LeadershipSQL.createLeadership), logger: logger)
                try await c.query(PostgresQuery(unsafeSQL: LeadershipSQL.createReplicas), logger: logger)
                try await c.query("COMMIT", logger: logger)
            }
        } catch {
            try? await connection.close()
            input.yield(.openFailed(attempt: id, reason: "creating the tables: \(String(reflecting: error))"))
            return
        }
        if Task.isCancelled {
            try? await connection.close()
            return
        }
        if case .terminated = input.yield(.opened(attempt: id, connection)) {
            try? await connection.close()
        }
    }
}
