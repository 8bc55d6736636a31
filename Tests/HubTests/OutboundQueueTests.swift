import NIOCore
import SwitchboardCore
import Testing

@testable import Hub

@Suite("Outbound queue")
struct OutboundQueueTests {
    static func delta(_ topic: String, _ seq: Int, _ ids: [String], size: Int = 100, ratio: DeflateRatio? = nil) -> DeltaPayload {
        let pad = String(repeating: "x", count: size)
        return DeltaPayload(topic: topic, epoch: "e", fromSeq: seq, seq: seq, at: 0,
                            changes: ids.map { ChangeRecord(kind: .agents, id: $0, json: EncodedJSON("\"\($0)\(pad)\"")) },
                            publishedAt: .now, flushedAt: .now, ratio: ratio)
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

    /// A client that receives deltas compressed is charged their compressed size as the topic's last compressions
    /// predict it (pushing never compresses): the same budget holds several deltas that would overflow it in plain
    /// bytes; a per-client merge is charged the sum of its parts' charges; a delta's charge never changes.
    @Test func aCompressedClientIsChargedTheBytesItIsSent() {
        let ratio = DeflateRatio()
        let first = Self.delta("global", 0, ["a0", "b0"], size: 2_000, ratio: ratio)
        #expect(first.compressedBytes == first.buffer.readableBytes * DeflateRatio.initialPermille / 1000,
                "nothing of the topic compressed yet: the initial guess")
        #expect(!first.frame.isDeflated, "charging did not compress")
        let compressed = first.frame.deflatedBuffer.readableBytes
        let deltas = (1...4).map { Self.delta("global", $0, ["a\($0)", "b\($0)"], size: 2_000, ratio: ratio) }
        let plain = deltas[0].buffer.readableBytes
        #expect(abs(deltas[0].compressedBytes - compressed) <= compressed / 20 + 1,
                "the topic's last compression predicts the next: \(deltas[0].compressedBytes) vs \(compressed)")
        #expect(deltas[0].compressedBytes * 10 < plain, "padding compresses well")
        #expect(first.compressedBytes == first.buffer.readableBytes * DeflateRatio.initialPermille / 1000,
                "a delta's charge is fixed when it is made")
        var plainQueue = OutboundQueue(limit: 2 * plain)
        var zipped = OutboundQueue(limit: 2 * plain, deflate: true)
        var plainResults: [OutboundQueue.PushResult] = [], zippedResults: [OutboundQueue.PushResult] = []
        for d in deltas {
            plainResults.append(plainQueue.push(.delta(d)))
            zippedResults.append(zipped.push(.delta(d)))
        }
        #expect(plainResults.contains { $0 != .queued }, "plain bytes overflow the budget: \(plainResults)")
        #expect(zippedResults.allSatisfy { $0 == .queued }, "compressed, all four fit: \(zippedResults)")
        #expect(zipped.budgetedBytes == deltas.reduce(0) { $0 + $1.compressedBytes })
        let merged = DeltaPayload.merged(deltas)
        #expect(merged.compressedBytes == deltas.reduce(0) { $0 + $1.compressedBytes })
        #expect(DeltaPayload.merged([merged, Self.delta("global", 5, ["c"])]).compressedBytes
                == merged.compressedBytes + Self.delta("global", 5, ["c"]).compressedBytes, "merges of merges flatten")
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

    /// A client that selected kinds and fields is charged what it is sent: the projection, not the whole delta —
    /// so a wall of tiles on a slow link is not evicted for figures it never receives. What an item was charged is
    /// taken back exactly, even when the selection changed meanwhile.
    @Test func aSelectingClientIsChargedItsProjection() throws {
        let big = String(repeating: "9", count: 2_000)
        func delta(_ seq: Int) -> DeltaPayload {
            DeltaPayload(topic: "global", epoch: "e", fromSeq: seq, seq: seq, at: 0, changes: (0..<4).map {
                ChangeRecord(kind: .agents, id: "us/a\(seq)-\($0)", json: EncodedJSON(#"{"id":"us/a\#(seq)-\#($0)","presence":"AWAY","figures":\#(big)}"#))
            }, publishedAt: .now, flushedAt: .now)
        }
        let sel = try StreamSelection.make(.kinds(["agents": .fields(["presence"])])).get()
        let d = delta(1)
        var whole = OutboundQueue(limit: 3 * d.buffer.readableBytes)
        var tiles = OutboundQueue(limit: 3 * d.buffer.readableBytes)
        tiles.selections["global"] = sel
        var wholeResults: [OutboundQueue.PushResult] = []
        var projected = 0
        for n in 1...10 {
            let dn = delta(n)
            wholeResults.append(whole.push(.delta(dn)))
            #expect(tiles.push(.delta(dn)) == .queued, "delta \(n): the projection fits")
            projected += dn.selected(sel).buffer.readableBytes
        }
        #expect(wholeResults.contains { $0 != .queued }, "the whole deltas exceed the same budget: \(wholeResults)")
        #expect(tiles.budgetedBytes == projected)
        #expect(tiles.budgetedBytes * 10 < 10 * d.buffer.readableBytes)
        tiles.selections["global"] = nil
        while tiles.pop() != nil {}
        #expect(tiles.budgetedBytes == 0 && tiles.totalBytes == 0)
    }
}
