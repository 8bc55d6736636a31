import Foundation
@testable import Store
import SwitchboardCore
import Testing

/// `switchboard store check --path P` through the real binary.
@Suite struct StoreCheckCommandTests {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func check(_ path: String) async throws -> Result {
        let process = Process()
        process.executableURL = try SwitchboardExecutable.url()
        process.arguments = ["store", "check", "--path", path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let outText = LineCollector(), errText = LineCollector()
        out.fileHandleForReading.readabilityHandler = { outText.append($0.availableData) }
        err.fileHandleForReading.readabilityHandler = { errText.append($0.availableData) }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            process.terminationHandler = { _ in c.resume() }
            do { try process.run() } catch { c.resume() }
        }
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        outText.append(out.fileHandleForReading.readDataToEndOfFile())
        errText.append(err.fileHandleForReading.readDataToEndOfFile())
        return Result(status: process.terminationStatus, stdout: outText.text, stderr: errText.text)
    }

    @Test func printsWhatAStoreHoldsWithoutWritingToIt() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("s.sqlite")
        let store = try openStore(path)
        var batch = StoreBatch()
        batch.buckets = [bucket("us", 0, agents: ["a": sample(1, 2), "b": sample(3, 4)])]
        batch.audit = [AuditEntry(at: 1, fileHash: "h", outcome: .accepted, summary: "")]
        try await store.write(batch)
        try store.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let result = try await Self.check(path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\(path): ok — schema version \(SQLiteHistoryStore.schemaVersion)"))
        #expect(result.stdout.contains("1 closed bucket(s), 2 agent-bucket(s), 0 document(s), 1 audit entry"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func refusalsExitWithTheReason() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("notes.txt")
        try Data("not a database, just notes".utf8).write(to: URL(fileURLWithPath: path))
        let result = try await Self.check(path)
        #expect(result.status == 1)
        #expect(result.stderr.contains(path) && result.stderr.contains("[store.not-a-database]"), "\(result.stderr)")
        let missing = try await Self.check(dir.path("none.sqlite"))
        #expect(missing.status == 1 && missing.stderr.contains("[store.missing]"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("none.sqlite")))
    }
}
