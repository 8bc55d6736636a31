import Foundation
import PostgresNIO
@testable import PostgresStore
import PostgresTestSupport
import Store
import SwitchboardCore
import Testing

/// What only the PostgreSQL backend has: migrations under the advisory lock, refusal of a newer schema,
/// one transaction per batch, TCP and socket URLs, errors that never show the password.
@Suite struct PostgresHistoryStoreTests {
    @Test func anEmptyDatabaseIsMigratedOnceAndReopenedAsIs() async throws {
        let server = try TestPostgresServer.shared.get()
        let url = try await server.createDatabase()
        var batch = StoreBatch()
        batch.buckets = [bucket("us", 0, agents: ["a": sample(1, 2)])]
        try await PostgresHistoryStore.withOpen(url, logger: quietLogger) { [batch] (first: PostgresHistoryStore) async throws in
            #expect(first.openedSchemaVersion == 0)
            #expect(PostgresHistoryStore.schemaVersion == PostgresSchema.migrations.count && PostgresHistoryStore.schemaVersion >= 1)
            try await first.write(batch)
        }
        let again = try await PostgresHistoryStore.withOpen(url, logger: quietLogger) {
            [batch] (again: PostgresHistoryStore) async throws -> PostgresHistoryStore in
            #expect(again.openedSchemaVersion == PostgresHistoryStore.schemaVersion)
            #expect(try await again.closedBuckets(org: "us", from: 0, to: .max) == batch.buckets)
            return again
        }
        // A closed store's pool is gone: calls fail at once, saying so, instead of waiting.
        do {
            _ = try await again.hubState()
            Issue.record("a closed store answered")
        } catch let error as PostgresStoreError {
            #expect(error.code == "postgres.closed", "\(error)")
        }
    }

    /// Replicas starting at once: each takes the advisory lock in turn; one creates the schema, the others
    /// find it current. Without the lock, concurrent CREATE TABLEs fail.
    @Test func replicasOpeningAtOnceDoNotRace() async throws {
        let server = try TestPostgresServer.shared.get()
        let url = try await server.createDatabase()
        let versions = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await PostgresHistoryStore.withOpen(url, logger: quietLogger, maximumConnections: 1) {
                        $0.openedSchemaVersion
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(versions.sorted() == [0] + Array(repeating: PostgresHistoryStore.schemaVersion, count: 3))
    }

    @Test func aSchemaNewerThanTheBuildIsRefusedAndLeftAlone() async throws {
        let server = try TestPostgresServer.shared.get()
        let url = try await server.createDatabase()
        try await PostgresHistoryStore.withOpen(url, logger: quietLogger) { _ in }
        let newer = PostgresHistoryStore.schemaVersion + 1
        try await server.execute("UPDATE switchboard_schema SET version = \(newer)", database: url.database)
        do {
            _ = try await PostgresHistoryStore.open(url, logger: quietLogger)
            Issue.record("a newer schema was opened")
        } catch let error as PostgresStoreError {
            #expect(error.code == "postgres.newer-schema")
            #expect(error.message.contains("version \(newer)"), "\(error)")
            #expect(error.message.contains(url.database), "names where: \(error)")
        }
        // Refused before anything was changed: the version is still the newer one.
        try await server.execute("DO $$ BEGIN IF (SELECT version FROM switchboard_schema) <> \(newer) THEN RAISE 'changed'; END IF; END $$",
                                 database: url.database)
    }

    /// A batch is one transaction: when its last item fails, its first items are not stored either.
    @Test func aBatchThatFailsStoresNothing() async throws {
        try await withPostgresStore { (store: PostgresHistoryStore, _: PostgresURL) async throws in
            var batch = StoreBatch()
            batch.buckets = [bucket("us", 0, agents: ["a": sample(1, 2)], queues: ["q": sample(1, 1)])]
            batch.audit = [AuditEntry(at: 1, fileHash: "h", outcome: .accepted, summary: "ok")]
            // PostgreSQL text cannot hold a NUL character: the document's insert fails, after the bucket's.
            batch.documents = [StoredDocument(kind: .quality, org: "us", dayStart: day0, key: "a\u{0}b", asOf: 1, json: [])]
            await #expect(throws: PostgresStoreError.self) { try await store.write(batch) }
            #expect(try await store.closedBuckets(org: "us", from: 0, to: .max).isEmpty)
            #expect(try await store.auditLog(limit: 10).isEmpty)
            // Nothing of the failed batch is remembered: the same bucket is written afterwards, its entities too.
            batch.documents = []
            #expect(try await store.writeReporting(batch) == StoreWriteReport(bucketsWritten: 1, bucketsSkipped: 0))
            #expect(try await store.closedBuckets(org: "us", from: 0, to: .max) == batch.buckets)
            #expect(try await store.writeReporting(batch) == StoreWriteReport(bucketsWritten: 0, bucketsSkipped: 1))
        }
    }

    /// Two stores on one database (two replicas): entities created by one are found by the other.
    @Test func twoStoresShareEntities() async throws {
        try await withPostgresStore { first, url in
            try await PostgresHistoryStore.withOpen(url, logger: quietLogger) { (second: PostgresHistoryStore) async throws in
                var batch = StoreBatch()
                batch.buckets = [bucket("us", 0, agents: ["a": sample(1, 2), "b": sample(3, 4)])]
                try await first.write(batch)
                var other = StoreBatch()
                other.buckets = [bucket("us", 1, agents: ["b": sample(5, 6), "c": sample(7, 8)])]
                try await second.write(other)
                #expect(try await first.closedBuckets(org: "us", from: 0, to: .max) == batch.buckets + other.buckets)
                let b = try await second.series(.agent(EntityID(org: "us", platformID: "b")), from: 0, to: .max, step: .buckets(1))
                #expect(b.map(\.sample) == [sample(3, 4), sample(5, 6)])
            }
        }
    }

    /// Over TCP with a password (SCRAM): the password reaches the server, and works as the socket does.
    @Test func tcpWithAPasswordWorksAsTheSocketDoes() async throws {
        try await withPostgresStore(tcp: true) { store, url in
            guard case .tcp(let host, _) = url.endpoint else { Issue.record("not a TCP URL: \(url)"); return }
            #expect(host == "127.0.0.1" && url.password == TestPostgresServer.password)
            var batch = StoreBatch()
            batch.hubState = HubState(epoch: "e", topics: ["global": 1], savedAt: 1, clean: true)
            try await store.write(batch)
            #expect(try await store.hubState() == batch.hubState)
        }
    }

    /// Nothing listens: the open fails at once with a connect error naming the server, never the password.
    @Test func anUnreachableServerIsReportedWithoutThePassword() async throws {
        let server = try TestPostgresServer.shared.get()
        let secret = "s3cret-Passw0rd"
        let url = try PostgresURL(parsing: "postgres://switchboard:\(secret)@/nowhere?host=\(server.directory)/none&port=1")
        do {
            _ = try await PostgresHistoryStore.open(url, logger: quietLogger)
            Issue.record("opened a store on a socket that does not exist")
        } catch let error as PostgresStoreError {
            #expect(error.code == "postgres.connect", "\(error)")
            #expect(error.message.contains("nowhere") && error.message.contains("***"), "\(error)")
            #expect(!error.message.contains(secret) && !"\(error)".contains(secret))
        }
    }

    @Test func aWrongPasswordIsRefusedWithoutShowingIt() async throws {
        let server = try TestPostgresServer.shared.get()
        var url = try await server.createDatabase(tcp: true)
        url.password = "wrong-Secret-42"
        do {
            _ = try await PostgresHistoryStore.open(url, logger: quietLogger)
            Issue.record("opened with a wrong password")
        } catch let error as PostgresStoreError {
            #expect(error.code == "postgres.auth", "\(error)")
            #expect(error.message.contains("password") && error.message.contains(url.database), "\(error)")
            #expect(!error.message.contains("wrong-Secret-42") && !error.message.contains(TestPostgresServer.password))
        }
        url.password = nil
        do {
            _ = try await PostgresHistoryStore.open(url, logger: quietLogger)
            Issue.record("opened without the password the server asks for")
        } catch let error as PostgresStoreError {
            #expect(error.code == "postgres.auth", "\(error)")
        }
    }

    @Test func aMissingDatabaseIsNamedWithWhatToDo() async throws {
        let server = try TestPostgresServer.shared.get()
        var url = server.url(database: "no_such_db")
        url.password = "hunter2-secret"
        do {
            _ = try await PostgresHistoryStore.open(url, logger: quietLogger)
            Issue.record("opened a database that does not exist")
        } catch let error as PostgresStoreError {
            #expect(error.code == "postgres.server", "\(error)")
            #expect(error.message.contains("no_such_db") && error.message.contains("3D000"), "\(error)")
            #expect(error.message.contains("createdb"), "\(error)")
            #expect(!error.message.contains("hunter2-secret"))
        }
    }

    @Test func aCorruptBlobIsReportedAsCorrupt() async throws {
        let server = try TestPostgresServer.shared.get()
        try await withPostgresStore { store, url in
            var batch = StoreBatch()
            batch.dayTotals = [DayTotals(org: "us", dayStart: day0, asOf: day0, agents: ["a": sample(1, 1)])]
            try await store.write(batch)
            try await server.execute("UPDATE day_totals SET data = '\\x09'::bytea", database: url.database)
            do {
                _ = try await store.dayTotals(org: "us", dayStart: day0)
                Issue.record("a blob that does not decode was read")
            } catch let error as PostgresStoreError {
                #expect(error.code == "store.corrupt" && error.message.contains(url.database), "\(error)")
            }
        }
    }
}
