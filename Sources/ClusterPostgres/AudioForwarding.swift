import Cluster
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle
import Synchronization
import SwitchboardCore

/// AudioHook sessions on a replica that does not lead their org reach the org's leader (docs/scale-out.md,
/// "AudioHook on any replica").
///
/// A load balancer sends an AudioHook session to any replica; only the org's leader publishes the org's `speech:`
/// and `speechtext:` topics. So the replica hosting a session of an org led elsewhere hands what its session
/// reports (and the keyword hits on-box spotting hears in its audio) to ``forward(speech:)`` /
/// ``forward(transcripts:)``, which queue them without waiting (``AudioForwardOutbox``); this service writes them
/// to `cluster_forwarded_audio`, one row per org every ``Options/flushInterval``, and the org's leader reads the
/// rows other replicas wrote every ``Options/pollInterval`` (``ForwardedAudioCursor``) and hands them to its views
/// (`deliver`).
///
/// Why a table read every second, as EventBridge deliveries are (``EventBridgeCatchUp``), and not a NOTIFY payload:
/// a row outlives a connection that drops and a leader that changes (the new leader reads the org's last
/// ``Options/replay`` at once), a NOTIFY payload is lost with the listener and capped at 8,000 bytes, and a second
/// of delay is far below the speech views' own 100 ms folding plus the 250 ms hub flush that matter to a
/// dashboard. Rows older than ``Options/retention`` are deleted by every replica every ``Options/sweepInterval``.
///
/// One connection of its own (a replica's view stream connections are busy with their own loops); it is reopened
/// after ``Options/retryDelay`` when it fails, and what was queued meanwhile stays queued (bounded by the outbox).
public final class AudioForwarding: Service, Sendable {
    public struct Options: Sendable {
        public var flushInterval: Duration = .milliseconds(250)
        public var pollInterval: Duration = .seconds(1)
        public var retryDelay: Duration = .seconds(1)
        public var sweepInterval: Duration = .seconds(30)
        /// Rows older than this are deleted.
        public var retention: Duration = .seconds(300)
        /// The window each read of an org led here looks back over (rows of several replicas commit out of id order).
        public var lookback: Duration = .seconds(15)
        /// The window of the first read after this replica began leading an org.
        public var replay: Duration = .seconds(120)
        /// Each pass over the database (write, read, sweep) at most; past it the connection is closed (which fails a
        /// query a dead connection would leave waiting) and reopened. A graceful shutdown ends a pass at once too.
        public var queryTimeout: Duration = .seconds(5)
        /// How often the `opened` of a session still live here is sent again (``AudioForwardOutbox``); shorter
        /// than ``replay``.
        public var reopenInterval: Duration = .seconds(30)
        public init() {}
    }

    /// What `/readyz` shows.
    public struct Status: Sendable, Equatable {
        public var connected = false
        public var rowsWritten = 0
        public var rowsRead = 0
        public var eventsForwarded = 0
        public var eventsReceived = 0
        /// Events dropped while the outbox was full, and rows that could not be read.
        public var dropped = 0
        public var refused = 0
        public var lastError: String?
    }

    let connection: PostgresConnection.Configuration
    let replica: String
    let options: Options
    /// The orgs led here whose views are published (their rows are read and delivered).
    let led: @Sendable () -> Set<OrgID>
    let logger: Logger
    private let outbox: Mutex<AudioForwardOutbox>
    private let deliverBox = Mutex<CallbackBox<@Sendable (OrgID, ForwardedAudioRecord) -> Void>?>(nil)  // CallbackBox says why
    private let statusBox = Mutex(Status())
    private let started = ContinuousClock.now

    public init(connection: PostgresConnection.Configuration, replica: String, options: Options = .init(),
                led: @escaping @Sendable () -> Set<OrgID>, logger: Logger = Logger(label: "switchboard.cluster.audio")) {
        var connection = connection
        connection.options.additionalStartupParameters.append(("application_name", "switchboard-audio"))
        self.connection = connection
        self.replica = replica
        self.options = options
        self.led = led
        self.logger = logger
        var outbox = AudioForwardOutbox()
        outbox.reopenInterval = Self.ms(options.reopenInterval)
        self.outbox = Mutex(outbox)
    }

    /// Where the rows other replicas wrote for an org led here go (the speech views and the transcript fan-out).
    public func attach(deliver: @escaping @Sendable (OrgID, ForwardedAudioRecord) -> Void) {
        deliverBox.withLock { $0 = CallbackBox(deliver) }
    }

    public var status: Status {
        var s = statusBox.withLock { $0 }
        s.dropped += outbox.withLock { $0.dropped }
        return s
    }

    private var nowMs: Int64 {
        let d = ContinuousClock.now - started
        return d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
    }

    /// Session reports of orgs led elsewhere. Never blocks.
    public func forward(speech events: [SpeechEvent]) {
        guard !events.isEmpty else { return }
        let now = nowMs
        outbox.withLock { $0.add(speech: events, now: now) }
    }

    /// Session reports of orgs led here (they go to the local views alone): noted, so that the `opened` of a
    /// session still live when another replica comes to lead its org is sent to that replica. Never blocks.
    public func note(speech events: [SpeechEvent]) {
        guard !events.isEmpty else { return }
        let now = nowMs
        outbox.withLock { $0.note(speech: events, now: now) }
    }

    /// Keyword hits (and other transcript events) of orgs led elsewhere. Never blocks.
    public func forward(transcripts events: [TranscriptEvent]) {
        guard !events.isEmpty else { return }
        outbox.withLock { $0.add(transcripts: events) }
    }

    // MARK: Service

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await self.session() }
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                let text = String(reflecting: error)
                statusBox.withLock {
                    $0.connected = false
                    $0.lastError = text
                }
                logger.warning("audio forwarding: database session ended; retrying", metadata: ["error": "\(text)"])
            }
            statusBox.withLock { $0.connected = false }
            do { try await Task.sleep(for: options.retryDelay) } catch { break }
        }
        // What the last sessions reported on their way out (the listener stops first) is written once more.
        if !Task.isCancelled { try? await finalFlush() }
    }

    private func session() async throws {
        let c = try await PostgresConnection.connect(configuration: connection, id: 3, logger: logger)
        do {
            try await prepare(c)
            statusBox.withLock {
                $0.connected = true
                $0.lastError = nil
            }
            var initial = ForwardedAudioCursor()
            initial.lookback = Self.ms(options.lookback)
            initial.replay = Self.ms(options.replay)
            let cursor = CursorBox(initial)
            let clock = ContinuousClock()
            var nextPoll = clock.now
            var nextSweep = clock.now
            while true {
                // A query issued on a connection the server already dropped may never be answered: end the session
                // (and reopen one) instead.
                guard !c.isClosed else { throw AudioForwardingConnectionEnded() }
                let now = clock.now
                let reading = now >= nextPoll, sweeping = now >= nextSweep
                if reading { nextPoll = now.advanced(by: options.pollInterval) }
                if sweeping { nextSweep = now.advanced(by: options.sweepInterval) }
                try await LeadershipLoop.bounded(c, timeout: options.queryTimeout, logger: logger) { c, _ in
                    try await self.flush(c)
                    if reading { try await self.read(c, cursor) }
                    if sweeping { try await self.sweep(c) }
                }
                try await Task.sleep(for: options.flushInterval)
            }
        } catch {
            try? await c.close()
            throw error
        }
    }

    struct AudioForwardingConnectionEnded: Error, CustomStringConvertible {
        var description: String { "the connection to the database ended" }
    }

    private func prepare(_ c: PostgresConnection) async throws {
        try await c.query("BEGIN", logger: logger)
        try await c.query("SELECT pg_advisory_xact_lock(\(LeadershipSQL.schemaLockKey))", logger: logger)
        try await c.query(PostgresQuery(unsafeSQL: AudioForwardingSQL.create), logger: logger)
        try await c.query(PostgresQuery(unsafeSQL: AudioForwardingSQL.createIndex), logger: logger)
        try await c.query("COMMIT", logger: logger)
        logger.info("audio forwarding: connected")
    }

    // MARK: Writing

    /// Writes what is queued: one row per org (each its own statement, one after another on this connection, so an
    /// org's rows from here commit in order). A failure puts nothing back: the session is reopened and the reports
    /// that follow carry the cumulative figures (the `opened` of live sessions goes again within 30 s).
    private func flush(_ c: PostgresConnection) async throws {
        let now = nowMs
        let here = led()
        let rows = outbox.withLock { $0.isEmpty && $0.liveSessions == 0 ? [] : $0.drain(now: now, led: here) }
        for (org, record) in rows {
            let body = record.encode()
            try await c.query("""
                INSERT INTO cluster_forwarded_audio (org, replica, body)
                VALUES (\(org.rawValue), \(replica), \(ByteBuffer(bytes: body)))
                """, logger: logger)
            statusBox.withLock {
                $0.rowsWritten += 1
                $0.eventsForwarded += record.count
            }
        }
    }

    private func finalFlush() async throws {
        guard !outbox.withLock({ $0.isEmpty }) else { return }
        let c = try await PostgresConnection.connect(configuration: connection, id: 4, logger: logger)
        do {
            try await LeadershipLoop.bounded(c, timeout: options.queryTimeout, logger: logger) { c, _ in
                try await self.flush(c)
            }
        } catch {
            try? await c.close()
            throw error
        }
        try? await c.close()
    }

    // MARK: Reading

    /// For each org led here: the rows other replicas wrote within the cursor's window and not taken yet, in id order.
    private func read(_ c: PostgresConnection, _ cursor: CursorBox) async throws {
        let orgs = led()
        cursor.box.withLock { $0.leading(orgs) }
        guard let deliver = deliverBox.withLock({ $0 })?.call else { return }
        for org in orgs.sorted() {
            let (window, exclude) = cursor.box.withLock { $0.next(org) }
            let rows = try await c.query("""
                SELECT id, (extract(epoch FROM written_at) * 1000)::bigint, body FROM cluster_forwarded_audio
                WHERE org = \(org.rawValue) AND replica <> \(replica)
                  AND written_at >= now() - make_interval(secs => \(Double(window) / 1000))
                  AND id <> ALL(\(exclude)::bigint[])
                ORDER BY id
                """, logger: logger)
            for try await (id, writtenAt, body) in rows.decode((Int64, Int64, ByteBuffer).self) {
                guard cursor.box.withLock({ $0.take(org, id: id, writtenAt: writtenAt) }) else { continue }
                do {
                    let record = try ForwardedAudioRecord(decoding: Array(buffer: body), org: org)
                    deliver(org, record)
                    statusBox.withLock {
                        $0.rowsRead += 1
                        $0.eventsReceived += record.count
                    }
                } catch {
                    statusBox.withLock { $0.refused += 1 }
                    logger.error("audio forwarding: a row cannot be read; skipped", metadata: [
                        "org": "\(org)", "id": "\(id)", "error": "\(error.description)"])
                }
            }
        }
    }

    private func sweep(_ c: PostgresConnection) async throws {
        try await c.query("""
            DELETE FROM cluster_forwarded_audio
            WHERE written_at < now() - make_interval(secs => \(Double(Self.ms(options.retention)) / 1000))
            """, logger: logger)
    }

    static func ms(_ d: Duration) -> Int64 {
        d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
    }
}

/// The leader's cursor, shared with each bounded pass over the database.
final class CursorBox: Sendable {
    let box: Mutex<ForwardedAudioCursor>
    init(_ cursor: ForwardedAudioCursor) { box = Mutex(cursor) }
}

/// The SQL of ``AudioForwarding``.
enum AudioForwardingSQL {
    /// One row per org and outbox drain of a replica not leading the org; `body` a ``ForwardedAudioRecord``.
    static let create = """
        CREATE TABLE IF NOT EXISTS cluster_forwarded_audio (
            id bigserial PRIMARY KEY, org text NOT NULL, replica text NOT NULL, body bytea NOT NULL,
            written_at timestamptz NOT NULL DEFAULT clock_timestamp())
        """
    static let createIndex = """
        CREATE INDEX IF NOT EXISTS cluster_forwarded_audio_org_written ON cluster_forwarded_audio (org, written_at)
        """
}
