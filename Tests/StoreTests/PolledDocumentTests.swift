import Foundation
import Store
import SwitchboardCore
import Testing

/// Schema v2's per-queue member counts, and the stored form of polled utilization and quality
/// (`StoredDocument+Polled`, docs/store.md "Documents").
@Suite struct PolledDocumentTests {
    @Test func queueMemberCountsRoundTripAndAMissingOneStaysUnknown() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try openStore(dir.path("s.sqlite"))
        var counted = bucket("us", 0, agents: ["a": sample(1, 2)], queues: ["q1": sample(1, 2), "q2": sample(3, 4)])
        counted.queueAgents = ["q1": 3, "q2": 0]
        var partly = bucket("us", 1, agents: ["a": sample(1, 2)], queues: ["q1": sample(1, 2), "q2": sample(3, 4)])
        partly.queueAgents = ["q1": 1]
        var batch = StoreBatch()
        batch.buckets = [counted, partly]
        try await store.write(batch)
        let read = try await store.closedBuckets(org: "us", from: 0, to: .max)
        #expect(read == [counted, partly])
        #expect(read[1].queueAgents["q2"] == nil)
        #expect(read[0].productiveAgents == 1)
    }

    static let day: EpochMillis = 1_772_427_600_000  // 2026-03-02T05:00Z, midnight in New York

    @Test func utilizationAndQualityDocumentsRoundTrip() async throws {
        let interval = UtilizationInterval(start: Self.day + 9 * 3_600_000, handleMs: 812_345, handleCount: 4, talkMs: 701_000,
                                           heldMs: 31_000, acwMs: 80_345, connected: 4, open: true)
        let agent = AgentUtilization(agent: EntityID(org: "us", platformID: "a-1"), dayStart: Self.day, asOf: Self.day + 10 * 3_600_000,
                                     intervals: [interval])
        let queue = AgentUtilization(agent: EntityID(org: "us", platformID: "q-1"), dayStart: Self.day, asOf: Self.day + 10 * 3_600_000,
                                     intervals: [interval], subject: .queue)
        let report = QualityReport(org: "us", asOf: Self.day + 11 * 3_600_000, minEvaluations: 3, agents: [
            AgentQuality(agent: EntityID(org: "us", platformID: "a-1"), name: "Ada", forms: [
                FormQuality(formID: "f1", formName: "Inbound", count: 4, averageScore: 81.25, averageCriticalScore: 77.5, passRate: 75),
                FormQuality(formID: nil, count: 1, averageScore: nil),
            ]),
        ], queues: [QueueQuality(queue: EntityID(org: "us", platformID: "q-1"), forms: [FormQuality(formID: "f1", count: 2, averageScore: 90)])],
        dayStart: Self.day)
        let docs = try [#require(StoredDocument.utilization(agent)), #require(StoredDocument.utilization(queue)),
                        #require(StoredDocument.quality(report))]
        #expect(docs.map(\.key) == ["a-1", "queue/q-1", StoredDocument.qualityKey])
        #expect(docs.map(\.kind) == [.utilization, .utilization, .quality])
        #expect(docs.allSatisfy { $0.dayStart == Self.day && $0.org == "us" })
        // Nothing worth keeping: an empty day, a report that does not say its day.
        #expect(StoredDocument.utilization(AgentUtilization(agent: agent.agent, dayStart: Self.day, asOf: 1, intervals: [])) == nil)
        #expect(StoredDocument.quality(QualityReport(org: "us", asOf: 1, minEvaluations: 3, agents: [])) == nil)

        let dir = try TempDir()
        defer { dir.remove() }
        let store = try openStore(dir.path("s.sqlite"))
        var batch = StoreBatch()
        batch.documents = docs
        try await store.write(batch)
        let utilization = try await store.documents(kind: .utilization, org: "us", dayStart: Self.day)
        #expect(try utilization.map { try $0.utilization() } == [agent, queue])
        let quality = try await store.documents(kind: .quality, org: "us", dayStart: Self.day)
        #expect(try quality.map { try $0.quality() } == [report])
    }

    /// The property names are the stored format: a document written by an earlier build must still read.
    @Test func theStoredJSONFormIsStable() throws {
        let json = #"""
            {"agent":"us/a-1","asOf":1772463600000,"dayStart":1772427600000,"intervals":[{"acwMs":80345,"connected":4,\#
            "handleCount":4,"handleMs":812345,"heldMs":31000,"open":false,"start":1772460000000,"talkMs":701000}],"subject":"agent"}
            """#
        let doc = StoredDocument(kind: .utilization, org: "us", dayStart: Self.day, key: "a-1", asOf: 0, json: Array(json.utf8))
        let u = try doc.utilization()
        #expect(u.agent == EntityID(org: "us", platformID: "a-1") && u.subject == .agent && u.intervals.first?.handleMs == 812_345)
        let quality = #"""
            {"agents":[{"agent":"us/a-1","forms":[{"averageScore":81.25,"count":4,"formID":"f1","passRate":75}]}],\#
            "asOf":1772467200000,"dayStart":1772427600000,"minEvaluations":3,"org":"us","queues":[]}
            """#
        let q = try StoredDocument(kind: .quality, org: "us", dayStart: Self.day, key: "org", asOf: 0, json: Array(quality.utf8)).quality()
        #expect(q.agents.first?.forms.first?.averageScore == 81.25 && q.dayStart == Self.day)
        // What this build writes reads back the same way (keys sorted).
        let written = try #require(StoredDocument.utilization(u))
        #expect(String(decoding: written.json, as: UTF8.self).hasPrefix(#"{"agent":"us\/a-1","asOf":"#)
                || String(decoding: written.json, as: UTF8.self).hasPrefix(#"{"agent":"us/a-1","asOf":"#))
        let broken = StoredDocument(kind: .utilization, org: "us", dayStart: Self.day, key: "x", asOf: 0, json: Array("{}".utf8))
        #expect(throws: StoreError.self) { try broken.utilization() }
    }
}
