import Foundation
@testable import Store
import SwitchboardCore
import Synchronization
import Testing

/// Finds the built `switchboard` executable next to the test bundle (both are in the build products folder).
enum SwitchboardExecutable {
    static func url() throws -> URL {
        var candidates: [URL] = []
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("switchboard"))
            dir = dir.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/switchboard"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw StoreError(code: "test.no-executable", message: "switchboard was not found (looked in \(candidates.map(\.path))); run `swift build --build-tests` first")
        }
        return found
    }
}

/// Kill -9 during a write loop: the file passes the integrity check, opens, and every batch (one
/// transaction of 4 buckets) is wholly there or wholly absent; every batch reported committed is there.
@Suite struct TornWriteTests {
    static let bucketsPerBatch = 4
    static let agents = 2_000

    @Test(arguments: [1, 2, 3])
    func killedMidWriteLeavesWholeBatches(_ round: Int) async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("torn.sqlite")
        let process = Process()
        process.executableURL = try SwitchboardExecutable.url()
        process.arguments = ["store", "write-loop", "--path", path, "--buckets", "\(Self.bucketsPerBatch)", "--agents", "\(Self.agents)"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        let lines = LineCollector()
        out.fileHandleForReading.readabilityHandler = { lines.append($0.availableData) }
        try process.run()
        // Let it commit a few batches (more each round, so the kill lands at different points).
        let target = 3 + 4 * round
        let deadline = ContinuousClock.now + .seconds(120)
        while lines.lastCommitted < target && process.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        out.fileHandleForReading.readabilityHandler = nil
        #expect(process.terminationReason == .uncaughtSignal, "the child ended by itself: \(lines.text)")
        let committed = lines.lastCommitted
        try #require(committed >= target, "the child committed \(committed) batches before the deadline")

        let store = try openStore(path)  // runs quick_check
        let buckets = try await store.closedBuckets(org: "torn", from: 0, to: .max)
        var perBatch: [Int: Int] = [:]
        for b in buckets {
            perBatch[Int(b.start / Bucket.widthMs) / Self.bucketsPerBatch, default: 0] += 1
            #expect(b.agents.count == Self.agents)
            let sum = b.agents.values.reduce(Int64(0)) { $0 + $1.handlingMs }
            #expect(sum == b.total.handlingMs, "bucket \(b.start) is incomplete")
        }
        let batches = perBatch.keys.sorted()
        #expect(batches == Array(0..<batches.count), "batches present: \(batches)")
        #expect(perBatch.values.allSatisfy { $0 == Self.bucketsPerBatch }, "a batch is partly stored: \(perBatch)")
        // Committed (printed) batches are all there; at most one more committed before its line was printed.
        #expect(batches.count == committed + 1 || batches.count == committed + 2, "\(batches.count) batches, last printed \(committed)")
        let totals = try #require(try await store.dayTotals(org: "torn", dayStart: 0))
        #expect(totals.asOf == EpochMillis(batches.count - 1))
        try store.close()
    }
}

/// The child's stdout, collected as it arrives.
final class LineCollector: Sendable {
    private let data = Mutex(Data())
    func append(_ d: Data) { data.withLock { $0.append(d) } }
    var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
    /// The highest N of complete `committed N` lines, -1 before the first.
    var lastCommitted: Int {
        let complete = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        return complete.compactMap { $0.hasPrefix("committed ") ? Int($0.dropFirst(10)) : nil }.max() ?? -1
    }
}
