import NIOCore
import SwitchboardCore
import Testing

@testable import Hub

@Suite("Outbound queue")
struct OutboundQueueTests {
    static func delta(_ topic: String, _ seq: Int, _ ids: [String], size: Int = 100) -> DeltaPayload {
        let pad = String(repeating: "x", count: size)
        return DeltaPayload(topic: topic, epoch: "e", fromSeq: seq, seq: seq, at: 0,
                            changes: ids.map { ChangeRecord(kind: .agents, id: $0, json: EncodedJSON("\"\($0)\(pad)\"")) },
                            publishedAt: .now, flushedAt: .now)
    }

    @Test func overflowMergesPerTopicLatestWinsThenEvicts() {
        let d1 = Self.delta("global", 1, ["a", "b"]), d2 = Self.delta("global", 2, ["a"])
        var q = OutboundQueue(limit: d1.buffer.readableBytes + d2.buffer.readableBytes + 2)
        #expect(q.push(.delta(d1)) == .queued)
        #expect(q.push(.control(ByteBuffer(string: "{}"))) == .queued)
        #expect(q.push(.delta(d2)) == .queued)
        #expect(q.push(.delta(Self.delta("global", 3, ["a", "b"]))) == .merged)
        let deltas = q.items.compactMap { if case .delta(let d) = $0 { d } else { nil } }
        #expect(deltas.count == 1)
        #expect(deltas[0].fromSeq == 1 && deltas[0].seq == 3)
        #expect(deltas[0].changes.map(\.id) == ["a", "b"])
        #expect(String(buffer: deltas[0].buffer).contains(#""fromSeq":1"#))
        // New entities keep the merged delta growing: past the budget with other items queued → overflow.
        #expect(q.push(.delta(Self.delta("global", 4, ["c", "d", "e", "f"], size: 300))) == .overflow)
    }

    @Test func snapshotsAreOutsideTheBudgetAndSupersedeQueuedDeltas() {
        var q = OutboundQueue(limit: 300)
        #expect(q.push(.delta(Self.delta("org:us", 1, ["a"]))) == .queued)
        #expect(q.push(.snapshot(topic: "org:us", SharedFrame(ByteBuffer(repeating: 0x20, count: 10_000)))) == .queued)
        #expect(q.items.count == 1)
        #expect(q.budgetedBytes == 0)
        #expect(q.totalBytes == 10_000)
        // A lone delta larger than the budget is tolerated (a burst), up to 8× the budget.
        #expect(q.push(.delta(Self.delta("org:us", 2, ["a", "b", "c"]))) == .merged)
        #expect(q.push(.delta(Self.delta("org:us", 3, (0..<40).map { "n\($0)" }))) == .overflow)
    }
}
