import SwitchboardCore
import Testing
@testable import Normalizer

/// Deterministic pseudo-random generator (SplitMix64), so a failure reproduces.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random conversation snapshots and queue observation bodies, field by field: present, missing,
/// null, wrong type, escaped, unicode, odd numbers, unknown fields, shuffled key order.
struct BodyGenerator {
    var rng: SplitMix

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func pick<T>(_ xs: [T]) -> T { xs.randomElement(using: &rng)! }

    /// `"key":value` pairs, some left out, shuffled, with unknown fields mixed in.
    mutating func object(_ fields: [(String, String?)]) -> String {
        var parts = fields.compactMap { k, v in v.map { "\"\(k)\":\($0)" } }
        if chance(0.4) { parts.append("\"\(pick(["extra", "attributes", "self", "x\\u0041"]))\":\(unknownValue(depth: 0))") }
        parts.shuffle(using: &rng)
        return "{" + parts.joined(separator: pick([",", " , ", ",\n"])) + "}"
    }

    mutating func unknownValue(depth: Int) -> String {
        switch Int.random(in: 0..<(depth > 2 ? 6 : 8), using: &rng) {
        case 0: return pick(["1", "-0", "2.5e-3", "1E+400", "-12.75", "0.0000001", "123456789012345678901"])
        case 1: return pick(["true", "false", "null"])
        case 2: return pick([#""Jos\u00e9""#, #""a\"b\\c\/\b\f\n\r\t""#, "\"Zoë 😀\"", #""\ud83d\ude00""#, #""\ud800""#, "\"\""])
        case 3: return "\"plain\""
        case 4: return "[]"
        case 5: return "{}"
        case 6: return "[" + (0..<Int.random(in: 1...3, using: &rng)).map { _ in unknownValue(depth: depth + 1) }.joined(separator: ",") + "]"
        default: return "{\"k\":" + unknownValue(depth: depth + 1) + ",\"Ä\":[[1,[2]]]}"
        }
    }

    /// A value for a `String?` field: usually one of `plain`, sometimes missing, null, escaped or mistyped.
    mutating func string(_ plain: [String]) -> String? {
        switch Int.random(in: 0..<20, using: &rng) {
        case 0: return nil
        case 1: return "null"
        case 2: return "\"\""
        case 3: return #""\u0041\#(pick(plain))""#
        case 4: return "\"ü\(pick(plain))\""
        case 5 where chance(0.3): return "5"
        default: return "\"\(pick(plain))\""
        }
    }

    mutating func time() -> String? {
        string(["2026-05-07T10:00:00.000Z", "2026-05-07T10:05:30.5Z", "2026-05-07T09:59:59Z", "2026-05-07T12:00:00.000+02:00",
                "2026-05-07T10:00:00.123456Z", "yesterday", "2026-13-07T10:00:00.000Z", "2026-05-07T10:01:00.000Z"])
    }

    mutating func bool() -> String? {
        switch Int.random(in: 0..<12, using: &rng) {
        case 0: return nil
        case 1: return "null"
        case 2 where chance(0.3): return "\"true\""
        case 3 where chance(0.3): return "1"
        default: return pick(["true", "false"])
        }
    }

    mutating func array(_ element: (inout BodyGenerator) -> String) -> String? {
        switch Int.random(in: 0..<12, using: &rng) {
        case 0: return nil
        case 1: return "null"
        case 2: return "[]"
        case 3 where chance(0.2): return "[null]"
        default: return "[" + (0..<Int.random(in: 1...3, using: &rng)).map { _ in element(&self) }.joined(separator: ",") + "]"
        }
    }

    static let users = ["u1", "u2", "8d3b6a2e-1111-4c6f-9d1e-0a1b2c3d4e5f"]

    mutating func communication() -> String {
        object([("id", string(["k1", "k2"])), ("state", string(["connected", "disconnected", "DISCONNECTED", "terminated", "alerting", "dialing"])),
                ("held", bool()), ("connectedTime", time()), ("disconnectedTime", chance(0.5) ? nil : time()),
                ("startHoldTime", chance(0.7) ? nil : time())])
    }

    mutating func participant() -> String {
        var fields: [(String, String?)] = [
            ("id", string(["p0", "p1"])), ("purpose", string(["agent", "AGENT", "user", "customer", "acd", "Agent", "external"])),
            ("userId", string(Self.users)), ("queueId", string(["q1", "q2"])), ("connectedTime", time()),
            ("endTime", chance(0.5) ? nil : time()), ("startAcwTime", chance(0.5) ? nil : time()),
            ("endAcwTime", chance(0.6) ? nil : time()), ("wrapupRequired", bool()), ("wrapupExpected", bool()),
            ("wrapup", chance(0.5) ? nil : chance(0.2) ? "null" : object([("code", string(["sale", "no-sale"])), ("notes", "\"n\"")])),
        ]
        for list in ["calls", "callbacks", "chats", "emails", "messages", "videos", "socialExpressions"] where chance(0.3) {
            fields.append((list, array { $0.communication() }))
        }
        return object(fields)
    }

    mutating func conversation() -> String {
        object([("id", string(["c1", "conv-2"])), ("participants", array { $0.participant() }),
                ("maxParticipants", "2"), ("recordingState", "\"none\"")])
    }

    mutating func number() -> String? {
        switch Int.random(in: 0..<14, using: &rng) {
        case 0: return nil
        case 1: return "null"
        case 2: return pick(["2.5", "-3.75", "1e2", "1.5E-2", "0.5"])
        case 3: return pick(["123456789012345", "-7", "1234567890123456789", "1e300"])
        case 4 where chance(0.3): return "\"3\""
        default: return String(Int.random(in: 0...40, using: &rng))
        }
    }

    mutating func metric() -> String {
        object([("metric", string(["oWaiting", "oInteracting", "oAlerting", "oOnQueueUsers", "oUserRoutingStatuses",
                                   "oLongestWaiting", "oMemberUsers", "tAnswered"])),
                ("qualifier", string(["IDLE", "interacting", "Off_Queue", "NOT_RESPONDING", "e08eaf1b", "COMMUNICATING"])),
                ("stats", chance(0.1) ? "null" : object([("count", number()), ("max", number()), ("sum", number()),
                                                        ("current", number()), ("calculatedMetricValue", number())])),
                ("observations", array { g in g.object([("observationDate", g.time()), ("conversationId", "\"c\"")]) })])
    }

    mutating func observations() -> String {
        object([("group", chance(0.1) ? "null" : object([("queueId", string(["q1", "", "q"])), ("mediaType", string(["voice", "chat"])),
                                                         ("userId", string(["u"]))])),
                ("data", array { g in
                    g.object([("interval", g.string(["2026-05-07T10:00:00.000Z/2026-05-07T10:30:00.000Z", "2026-05-07T11:00:00Z", "/"])),
                              ("metrics", g.array { $0.metric() })])
                })])
    }
}

@Suite struct FastPathGeneratedTests {
    static func frames(_ kind: String, count: Int, seed: UInt64) -> [String] {
        var g = BodyGenerator(rng: SplitMix(state: seed))
        return (0..<count).map { _ in
            kind == "conversations"
                ? #"{"topicName":"v2.users.u1.conversations","eventBody":\#(g.conversation())}"#
                : #"{"topicName":"v2.analytics.queues.q.observations","eventBody":\#(g.observations())}"#
        }
    }

    @Test(arguments: ["conversations", "observations"])
    func generatedBodiesAgree(_ kind: String) {
        var disagreements: [String] = []
        var fastReads = 0
        var events = 0
        var rng = SplitMix(state: 7)
        let frames = Self.frames(kind, count: 1500, seed: kind == "conversations" ? 1 : 2)
        for text in frames {
            let bytes = Array(text.utf8)
            if !FastPathDifferentialTests.same(bytes) { disagreements.append(text) }
            // Truncations and a stray byte: malformed or fallen back, never different.
            for _ in 0..<2 {
                let cut = Int.random(in: 0..<bytes.count, using: &rng)
                var stray = bytes
                stray[cut] = [0x22, 0x7D, 0x5D, 0x2C, 0x30][Int.random(in: 0..<5, using: &rng)]
                for v in [Array(bytes[..<cut]), stray] where !FastPathDifferentialTests.same(v) {
                    disagreements.append(String(decoding: v, as: UTF8.self))
                }
            }
            let read = bytes.withUnsafeBufferPointer { buf in
                kind == "conversations"
                    ? FastBodies.envelope(buf) { try FastBodies.conversation(&$0, topicUser: "u1") } != nil
                    : FastBodies.envelope(buf) { try FastBodies.observations(&$0, topicQueue: "q") } != nil
            }
            if read { fastReads += 1 }
            if case .events(_, let evs) = NotificationNormalizer(org: "us").normalize(bytes, receivedAt: 5), !evs.isEmpty {
                events += 1
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagree, e.g. \(disagreements.prefix(2))")
        // The generator must exercise the fast readers and produce events, not only fallbacks.
        #expect(fastReads > frames.count / 10, "fast reads: \(fastReads)")
        print("\(kind): \(fastReads) of \(frames.count) read by the fast path, \(events) with events")
        #expect(events > frames.count / 10, "frames with events: \(events)")
    }
}
