import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing
@testable import Views

/// The byte writers behind the fragments (ids, times, integers written straight into the buffer) give
/// exactly the bytes the `String`-based writers gave.
@Suite struct FragmentBytesTests {
    /// The escaping `JSONText.appendString` did byte by byte before its run-copying fast path.
    static func reference(_ s: String) -> [UInt8] {
        var out: [UInt8] = [0x22]
        for b in s.utf8 {
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            case 0x09: out += [0x5C, 0x74]
            case 0..<0x20: out += Array(String(format: "\\u%04x", Int(b)).utf8)
            default: out.append(b)
            }
        }
        out.append(0x22)
        return out
    }

    @Test(arguments: ["", "a", "us/0f3c-5a1e", "Ana \"Quoted\"", "back\\slash", "tab\there\n\r", "\u{01}\u{1f}x",
                      "Zoë Ångström 日本", "\"", "\\\\\"", String(repeating: "long name ", count: 40) + "\u{7f}"])
    func appendStringMatchesByteByByteEscaping(_ s: String) {
        var out: [UInt8] = [1, 2]
        JSONText.appendString(s, to: &out)
        #expect(out == [1, 2] + Self.reference(s))
        let decoded = try? JSONSerialization.jsonObject(with: Data(out.dropFirst(2)), options: .fragmentsAllowed)
        #expect(decoded as? String == s)
    }

    @Test func appendIntMatchesDescription() {
        var values: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, 1_234_567, -987_654_321, .max, .min, .max - 1, .min + 1]
        var g = SystemRandomNumberGenerator()
        for _ in 0..<2_000 { values.append(Int64.random(in: .min ... .max, using: &g) >> Int64.random(in: 0...62, using: &g)) }
        for v in values {
            var out: [UInt8] = []
            JSONText.appendInt(v, to: &out)
            #expect(out == Array(String(v).utf8), "\(v)")
        }
    }

    @Test func appendDoubleKeepsItsShapes() {
        let cases: [(Double?, String)] = [(nil, "null"), (.nan, "null"), (1, "1"), (0, "0"), (-0.0, "0"),
                                          (0.5, "0.5"), (2.0 / 3.0, "0.6667"), (0.00004, "0"), (0.00005, "0.0001"),
                                          (123.45678, "123.4568")]
        for (v, text) in cases {
            var out: [UInt8] = []
            JSONText.appendDouble(v, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == text)
        }
    }

    @Test func timestampAppendMatchesFormat() {
        var values: [EpochMillis] = [0, -1, 999, -999, 1_000, 86_399_999, 86_400_000, -86_400_000,
                                     ms("2026-05-07T10:00:00.000Z"), ms("2024-02-29T23:59:59.999Z"),
                                     ms("1000-01-01T00:00:00.000Z"), ms("9999-12-31T23:59:59.999Z"),
                                     ms("1000-01-01T00:00:00.000Z") - 1, ms("9999-12-31T23:59:59.999Z") + 1,
                                     -62_135_596_800_000, 400_000_000_000_000]
        var g = SystemRandomNumberGenerator()
        for _ in 0..<5_000 { values.append(Int64.random(in: -70_000_000_000_000...300_000_000_000_000, using: &g)) }
        for t in values {
            var out: [UInt8] = [7]
            Timestamp.append(t, to: &out)
            #expect(out == [7] + Array(Timestamp.format(t).utf8), "\(t)")
        }
    }

    /// The whole agent fragment, byte for byte, including an escaped name and a time.
    @Test func agentFragmentBytes() async throws {
        let t0 = ms("2026-05-07T08:00:00.000Z")
        let h = Harness(now: t0 + 30 * minute)
        let a = agentID("us", 1)
        await h.engine.ingest(org: "us", events: [
            .agentProfile(AgentProfile(agent: a, name: "Ana \"Q\"\n")),
            status(a, t0, .onQueue, .interacting),
        ])
        let c = try #require(h.sink.drain().of(.agents).first)
        #expect(c.json?.string == #"{"id":"us/00000000-0000-4000-8000-000000000001","org":"us","name":"Ana \"Q\"\n","#
            + #""hireDate":null,"presence":"ON_QUEUE","routingStatus":"INTERACTING","state":"interacting","#
            + #""stateSince":"2026-05-07T08:00:00.000Z","band":"burnout","bandStatus":"ok","queues":[],"occupancy":{"today":1,"#
            + #""rolling15m":1,"#
            + #""rolling60m":1},"handlingMs":{"today":1800000,"rolling15m":900000,"rolling60m":1800000},"#
            + #""productiveMs":{"today":1800000,"rolling15m":900000,"rolling60m":1800000},"#
            + #""accruing":{"handling":1,"productive":1},"asOf":"2026-05-07T08:30:00.000Z"}"#)
        #expect(c.id == a.description)
        // The cached id is the one every later change carries.
        await h.engine.ingest(org: "us", events: [status(a, t0 + 20 * minute, .onQueue, .idle)])
        let again = try #require(h.sink.drain().of(.agents).first)
        #expect(again.id == a.description)
        #expect(Harness.object(again)["id"] as? String == a.description)
        #expect(Harness.object(again)["stateSince"] as? String == "2026-05-07T08:20:00.000Z")
    }

    /// The agent lists its active queues' ids (`us/<uuid>`) right before `occupancy`, in the order the platform
    /// gave them, in the deltas and in a snapshot read; a change of membership alone re-emits the agent.
    @Test func agentFragmentListsItsQueues() async throws {
        let t0 = ms("2026-05-07T08:00:00.000Z")
        let h = Harness(now: t0 + 30 * minute)
        let a = agentID("us", 1)
        let q1 = EntityID(org: "us", platformID: "q-1"), q2 = EntityID(org: "us", platformID: "q-2")
        await h.engine.ingest(org: "us", events: [
            .agentProfile(AgentProfile(agent: a, name: "Ana")),
            .agentStatus(AgentStatusChange(agent: a, at: t0, presence: .onQueue, routingStatus: .idle,
                                           activeQueues: [q2, q1, EntityID(org: "emea", platformID: "q-9")])),
        ])
        let c = try #require(h.sink.drain().of(.agents).first)
        #expect(c.json?.string.contains(#""bandStatus":"ok","queues":["us/q-2","us/q-1"],"occupancy":{"#) == true,
                "\(c.json?.string ?? "")")
        let live = await h.engine.withLiveEntities(org: "us") { $0.changes.filter { $0.kind == .agents } }
        #expect(live.count == 1)
        #expect(Harness.object(try #require(live.first))["queues"] as? [String] == ["us/q-2", "us/q-1"])
        // Same state, one queue fewer: only the membership changed, and the agent is sent again.
        await h.engine.ingest(org: "us", events: [
            .agentStatus(AgentStatusChange(agent: a, at: t0 + minute, presence: .onQueue, routingStatus: .idle,
                                           activeQueues: [q1])),
        ])
        let moved = try #require(h.sink.drain().of(.agents).first)
        #expect(Harness.object(moved)["queues"] as? [String] == ["us/q-1"])
        // The same list again sends nothing.
        await h.engine.ingest(org: "us", events: [
            .agentStatus(AgentStatusChange(agent: a, at: t0 + 2 * minute, presence: .onQueue, routingStatus: .idle,
                                           activeQueues: [q1])),
        ])
        #expect(h.sink.drain().of(.agents).isEmpty)
    }

    /// A queue known only from an agent's active queues gets its namespaced id with its slot, before it is
    /// ever shown or emitted: writing the agent's queue list copies that one string, it does not make one per
    /// queue per encode (the ingest bench's allocations per event). The unchanged-list test reads no new slot.
    @Test func queueIDIsMadeWithItsSlot() throws {
        let t0 = ms("2026-05-07T08:00:00.000Z")
        var s = ViewState(occupancy: OccupancyConfig(), orgs: [ViewOrg(id: "us", name: "US", timeZone: utc)],
                          tuning: ViewTuning())
        let a = agentID("us", 1)
        let q1 = EntityID(org: "us", platformID: "q-1"), q2 = EntityID(org: "us", platformID: "q-2")
        let other = EntityID(org: "emea", platformID: "q-9")
        let out = s.ingest(org: "us", events: [
            .agentStatus(AgentStatusChange(agent: a, at: t0, presence: .onQueue, routingStatus: .idle,
                                           activeQueues: [q2, other, q1])),
        ], now: t0 + minute)
        let org = try #require(s.orgs["us"])
        let j = Int(try #require(org.queueIndex["q-1"]))
        #expect(!org.queues[j].visible && org.queues[j].emitted == nil)
        #expect(org.queues[j].entityID == "us/q-1")
        #expect(org.queueEntityKey(j) == "us/q-1")
        #expect(out.changes.contains { $0.kind == .agents && $0.json?.string.contains(#""queues":["us/q-2","us/q-1"]"#) == true })
        // the comparison with the stored slots: this org's ids only, in order, all of them
        let slots = org.agents[0].queues
        #expect(org.sameQueues([q2, other, q1], as: slots))
        #expect(org.sameQueues([q2, q1], as: slots))
        #expect(!org.sameQueues([q1, q2], as: slots))
        #expect(!org.sameQueues([q2], as: slots))
        #expect(!org.sameQueues([q2, q1, EntityID(org: "us", platformID: "q-3")], as: slots))
        #expect(org.sameQueues([other], as: []))
        #expect(org.queueIndex["q-3"] == nil)
    }

    /// The hire date is written right after the name as `"yyyy-MM-dd"`, or null without one; a changed hire
    /// date re-emits the agent like a rename, the same one does not.
    @Test func agentFragmentCarriesHireDate() async throws {
        let t0 = ms("2026-05-07T08:00:00.000Z")
        let h = Harness(now: t0 + 30 * minute)
        let a = agentID("us", 1)
        let hired = try #require(CalendarDay.parse("2019-03-04"))
        await h.engine.ingest(org: "us", events: [
            .agentProfile(AgentProfile(agent: a, name: "Ana", hireDate: hired)),
            status(a, t0, .onQueue, .idle),
        ])
        let c = try #require(h.sink.drain().of(.agents).first)
        #expect(c.json?.string.hasPrefix(
            #"{"id":"us/00000000-0000-4000-8000-000000000001","org":"us","name":"Ana","hireDate":"2019-03-04","presence":"#)
            == true, "\(c.json?.string ?? "")")
        #expect(Harness.object(c)["hireDate"] as? String == "2019-03-04")
        await h.engine.ingest(org: "us", events: [.agentProfile(AgentProfile(agent: a, name: "Ana", hireDate: hired))])
        #expect(h.sink.drain().of(.agents).isEmpty)
        await h.engine.ingest(org: "us", events: [.agentProfile(AgentProfile(agent: a, name: "Ana", hireDate: hired + 1))])
        let moved = try #require(h.sink.drain().of(.agents).first)
        #expect(Harness.object(moved)["hireDate"] as? String == "2019-03-05")
        await h.engine.ingest(org: "us", events: [.agentProfile(AgentProfile(agent: a, name: "Ana"))])
        let cleared = try #require(h.sink.drain().of(.agents).first)
        #expect(Harness.object(cleared)["hireDate"] is NSNull)
        // Days far from today are written the same way (the writer pads; odd years go through the formatter).
        for day in [0, -1, 59, 2_932_896, -719_162 + 365 * 1000, 3_000_000] {
            let got = String(decoding: FragmentWriter.encode { $0.day(Int32(day)) }, as: UTF8.self)
            #expect(got == "\"" + CalendarDay.format(day) + "\"", "\(day)")
        }
        #expect(FragmentWriter.encode { $0.day(nil) } == Array("null".utf8))
    }

    /// A queue fragment decodes to the tile's figures, and its bytes are the documented shape.
    @Test func queueFragmentBytes() async throws {
        let t0 = ms("2026-05-07T08:00:00.000Z")
        let h = Harness(now: t0 + minute)
        let q = EntityID(org: "us", platformID: "q-1")
        await h.engine.ingest(org: "us", events: [
            .queueObservation(QueueObservation(queue: q, at: t0, mediaType: "voice", waiting: 2, interacting: 3,
                                               alerting: 1, onQueueAgents: 4, oldestWaitingSince: t0 - 30_000)),
        ])
        let c = try #require(h.sink.drain().of(.queues).first)
        #expect(c.id == "us/q-1")
        #expect(c.json?.string == #"{"id":"us/q-1","org":"us","name":"q-1","waiting":2,"interacting":3,"alerting":1,"#
            + #""onQueueAgents":4,"longestWaitMs":90000,"oldestWaitingSince":"2026-05-07T07:59:30.000Z","#
            + #""serviceLevelTarget":null,"serviceLevel":null,"offered":null,"answered":null,"abandoned":null,"#
            + #""answeredWithinTarget":null,"serviceLevelCalls":null,"abandonRate":null,"asaMs":null,"serviceAsOf":null,"#
            + Self.defaultThresholds
            + #","occupancy":null,"handlingMs":null,"productiveMs":null,"accruing":null,"asOf":null}"#)
    }

    static let defaultThresholds = #""thresholds":{"serviceLevel":{"target":0.8,"criticalMargin":0.1,"#
        + #""window":"rolling60m","minCalls":5},"longestWaitMs":{"warn":60000,"critical":180000},"#
        + #""waiting":{"warn":5,"critical":15},"occupancy":{"under":0.6,"healthy":0.8,"elevated":0.9}}"#

    /// A queue with its configured target and a service report: every service field per window, then the
    /// thresholds, before the occupancy fields.
    @Test func queueServiceFragmentBytes() async throws {
        let t0 = ms("2026-05-07T08:00:00.000Z")
        let h = Harness(now: t0 + minute)
        let q = EntityID(org: "us", platformID: "q-1")
        let counts = QueueServiceCounts(offered: 12, answered: 9, answerWaitMs: 100_000, abandoned: 2, withinTarget: 7,
                                        serviceLevelCalls: 11)
        await h.engine.ingest(org: "us", events: [
            .queueProfile(QueueProfile(queue: q, name: "Sales", serviceLevel: ServiceLevelTarget(percentage: 0.8, durationMs: 20_000))),
            .queueService(QueueServiceReport(queue: q, dayStart: ms("2026-05-07T00:00:00.000Z"), asOf: t0,
                                             windows: QueueServiceWindows(today: counts, rolling15m: QueueServiceCounts(),
                                                                          rolling60m: QueueServiceCounts(offered: 1)))),
        ])
        let c = try #require(h.sink.drain().of(.queues).last)
        #expect(c.json?.string == #"{"id":"us/q-1","org":"us","name":"Sales","waiting":0,"interacting":0,"alerting":0,"#
            + #""onQueueAgents":0,"longestWaitMs":0,"oldestWaitingSince":null,"#
            + #""serviceLevelTarget":{"percentage":0.8,"durationMs":20000},"#
            + #""serviceLevel":{"today":0.6364,"rolling15m":null,"rolling60m":null},"#
            + #""offered":{"today":12,"rolling15m":0,"rolling60m":1},"answered":{"today":9,"rolling15m":0,"rolling60m":0},"#
            + #""abandoned":{"today":2,"rolling15m":0,"rolling60m":0},"#
            + #""answeredWithinTarget":{"today":7,"rolling15m":0,"rolling60m":0},"#
            + #""serviceLevelCalls":{"today":11,"rolling15m":0,"rolling60m":0},"#
            + #""abandonRate":{"today":0.1667,"rolling15m":null,"rolling60m":0},"#
            + #""asaMs":{"today":11111,"rolling15m":null,"rolling60m":null},"serviceAsOf":"2026-05-07T08:00:00.000Z","#
            + Self.defaultThresholds
            + #","occupancy":null,"handlingMs":null,"productiveMs":null,"accruing":null,"asOf":null}"#)
    }

    /// Org and totals fragments carry the service sums and thresholds before `accruing`, and still end with
    /// `,"asOf":"…"}` (the equality check that skips asOf-only changes depends on it).
    @Test func orgAndTotalsFragmentsEndWithAsOf() async throws {
        let t0 = ms("2026-05-07T08:00:00.000Z")
        let h = Harness(now: t0 + minute)
        let q = EntityID(org: "us", platformID: "q-1")
        await h.engine.refresh()
        _ = h.sink.drain()
        await h.engine.ingest(org: "us", events: [
            .queueProfile(QueueProfile(queue: q, name: "Sales")),
            .queueService(QueueServiceReport(queue: q, dayStart: ms("2026-05-07T00:00:00.000Z"), asOf: t0,
                                             windows: QueueServiceWindows(today: QueueServiceCounts(
                                                 offered: 4, answered: 3, answerWaitMs: 3_000, abandoned: 1, withinTarget: 2,
                                                 serviceLevelCalls: 4)))),
        ])
        await h.engine.refresh()
        let changes = h.sink.drain()
        let org = try #require(changes.of(.orgs).last?.json?.string)
        let service = #""serviceLevel":{"today":0.5,"rolling15m":null,"rolling60m":null},"#
            + #""offered":{"today":4,"rolling15m":0,"rolling60m":0},"answered":{"today":3,"rolling15m":0,"rolling60m":0},"#
            + #""abandoned":{"today":1,"rolling15m":0,"rolling60m":0},"#
            + #""answeredWithinTarget":{"today":2,"rolling15m":0,"rolling60m":0},"#
            + #""serviceLevelCalls":{"today":4,"rolling15m":0,"rolling60m":0},"#
            + #""abandonRate":{"today":0.25,"rolling15m":null,"rolling60m":null},"#
            + #""asaMs":{"today":1000,"rolling15m":null,"rolling60m":null},"serviceAsOf":"2026-05-07T08:00:00.000Z","#
            + Self.defaultThresholds
        #expect(org == #"{"id":"us","name":"US","status":"connecting","lastHeartbeatAt":null,"lastEventAt":"2026-05-07T08:01:00.000Z","#
            + #""behindSeconds":null,"timezone":"GMT","occupancy":{"today":null,"rolling15m":null,"rolling60m":null},"#
            + #""handlingMs":{"today":0,"rolling15m":0,"rolling60m":0},"productiveMs":{"today":0,"rolling15m":0,"rolling60m":0},"#
            + #""agents":0,"problems":[],"# + service + #","accruing":{"handling":0,"productive":0},"asOf":"2026-05-07T08:01:00.000Z"}"#)
        let totals = changes.of(.occupancy)
        let orgTotals = try #require(totals.first { $0.id == "us" }?.json?.string)
        let global = try #require(totals.first { $0.id == "global" }?.json?.string)
        let occupancy = #""today":null,"rolling15m":null,"rolling60m":null,"#
            + #""handlingMs":{"today":0,"rolling15m":0,"rolling60m":0},"productiveMs":{"today":0,"rolling15m":0,"rolling60m":0},"#
        let tail = #","accruing":{"handling":0,"productive":0},"asOf":"2026-05-07T08:01:00.000Z"}"#
        #expect(orgTotals == "{" + occupancy + service + tail)
        #expect(global == "{" + occupancy + #""leftOut":[],"# + service + tail)
        for f in [org, orgTotals, global] {
            #expect(f.utf8.suffix(OrgState.asOfSuffixLength).starts(with: Array(#","asOf":""#.utf8)))
        }
    }

    /// A seed org's Audio Connector region, once its connector reports it, is the org entity's `audioRegion`
    /// (after `problems`); absent before.
    @Test func orgFragmentCarriesTheAudioRegionOnceKnown() async throws {
        let t0 = ms("2026-05-07T08:00:00.000Z")
        let h = Harness(now: t0)
        await h.engine.refresh()
        let before = try #require(h.sink.drain().of(.orgs).last?.json?.string)
        #expect(!before.contains("audioRegion"))
        var status = ConnectorStatus(org: "us", status: .open, at: t0)
        status.audioRegion = "us-east-1"
        await h.engine.ingest(org: "us", events: [.connector(status)])
        await h.engine.refresh()
        let org = try #require(h.sink.drain().of(.orgs).last?.json?.string)
        #expect(org.contains(#""problems":[],"audioRegion":"us-east-1","serviceLevel""#))
    }

    /// How late the org's events are read (`behindSeconds`) is always written: null, the seconds while behind, null
    /// again once caught up — so that a patch carries the way back too.
    @Test func orgFragmentSaysHowFarBehindItsEventsAreRead() async throws {
        let t0 = ms("2026-05-07T08:00:00.000Z")
        let h = Harness(now: t0)
        await h.engine.refresh()
        let before = try #require(h.sink.drain().of(.orgs).last?.json?.string)
        #expect(before.contains(#""behindSeconds":null,"timezone""#))
        var status = ConnectorStatus(org: "us", status: .open, at: t0)
        status.behindSeconds = 40
        await h.engine.ingest(org: "us", events: [.connector(status)])
        let behind = try #require(h.sink.drain().of(.orgs).last?.json?.string)
        #expect(behind.contains(#""behindSeconds":40,"timezone""#))
        status.behindSeconds = nil
        await h.engine.ingest(org: "us", events: [.connector(status)])
        let caughtUp = try #require(h.sink.drain().of(.orgs).last?.json?.string)
        #expect(caughtUp.contains(#""behindSeconds":null"#))
    }

    /// The writer's ratios are `JSONText.appendDouble`'s, over random and edge values.
    @Test func writerRatioMatchesAppendDouble() {
        var values: [Double?] = [nil, .nan, .infinity, -.infinity, 0, -0.0, 1, 0.5, 0.0001, 0.00005, 0.00004999, 0.99995,
                                 1e-10, 2.0 / 3.0, 1e11 + 0.1234, 1e12 + 0.5, 1e15, 1e16 + 0.5, -0.25, 123.456789]
        var g = SystemRandomNumberGenerator()
        for _ in 0..<20_000 { values.append(Double.random(in: 0...1.5, using: &g)) }
        for _ in 0..<2_000 { values.append(Double(Int.random(in: 0...10_000, using: &g)) / 10_000) }
        for _ in 0..<2_000 { values.append(Double.random(in: -1e13...1e13, using: &g)) }
        for v in values {
            var expected: [UInt8] = []
            JSONText.appendDouble(v, to: &expected)
            let got = FragmentWriter.encode { $0.ratio(v) }
            #expect(got == expected, "\(String(describing: v))")
        }
    }

    /// Strings, integers and times through the writer are the `JSONText`/`Timestamp` bytes, also when a
    /// fragment outgrows the stack buffer and takes the heap pass.
    @Test(arguments: [1, 10, 200, 5_000])
    func writerMatchesArrayWriters(repeats: Int) {
        let name = String(repeating: "Zoë \"q\"\t\u{01}", count: repeats)
        let got = FragmentWriter.encode { j in
            j.raw("{")
            j.string(name)
            j.int(Int64.min)
            j.int(nil)
            j.time(1_778_148_000_123)
            j.time(nil)
            j.string(nil)
            j.raw("}")
        }
        var expected: [UInt8] = Array("{".utf8)
        JSONText.appendString(name, to: &expected)
        expected += Array("-9223372036854775808null\"2026-05-07T10:00:00.123Z\"nullnull}".utf8)
        #expect(got == expected)
        #expect(got.capacity < got.count + 64, "sized to the fragment, not to the scratch buffer")
    }
}
