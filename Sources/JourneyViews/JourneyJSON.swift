import Journeys
import SwitchboardCore

/// The journey entities' JSON (docs/protocol.md, "Journey topics"), written once per change with ``JSONText``.
/// Times are epoch ms of event time; queue and agent ids are namespaced (`us/<id>`).
enum JourneyJSON {
    /// A `journeys` entry: the customer as `redactor` shows it.
    static func journey(_ j: Journey, redactor: CustomerKeyRedactor) -> EncodedJSON {
        EncodedJSON(bytes: bytes(j, redactor: redactor))
    }

    /// `{"journeys":[…]}` (a search's answer).
    static func list(_ journeys: [Journey], redactor: CustomerKeyRedactor) -> EncodedJSON {
        list(journeys.map { bytes($0, redactor: redactor) })
    }

    /// `{"journeys":[…]}` of journeys already encoded.
    static func list(_ encoded: [[UInt8]]) -> EncodedJSON {
        var o: [UInt8] = Array(#"{"journeys":["#.utf8)
        for (i, j) in encoded.enumerated() {
            if i > 0 { o.append(UInt8(ascii: ",")) }
            o += j
        }
        o.append(contentsOf: "]}".utf8)
        return EncodedJSON(bytes: o)
    }

    static func bytes(_ j: Journey, redactor: CustomerKeyRedactor) -> [UInt8] {
        bytes(j, customer: redactor.display(j.customer))
    }

    /// The entity with `customer` as the customer field (``JourneyRecord`` keeps the hashed form).
    static func bytes(_ j: Journey, customer: String) -> [UInt8] {
        let org = j.org
        var o: [UInt8] = []
        o.reserveCapacity(384 + 256 * j.contacts.count)
        key("id", &o, first: true); JSONText.appendString(j.id.description, to: &o)
        key("org", &o); JSONText.appendString(org.rawValue, to: &o)
        key("customer", &o); JSONText.appendString(customer, to: &o)
        key("state", &o); JSONText.appendString(j.state.rawValue, to: &o)
        key("openedAt", &o); JSONText.appendInt(j.openedAt, to: &o)
        key("lastActivityAt", &o); JSONText.appendInt(j.lastActivityAt, to: &o)
        key("closedAt", &o); int(j.closedAt, &o)
        key("closedReason", &o); string(j.closedReason?.rawValue, &o)
        key("path", &o); strings(j.path.media.map(\.rawValue), &o)
        key("channelSwitches", &o); JSONText.appendInt(Int64(j.channelSwitches), to: &o)
        key("channels", &o)
        o.append(UInt8(ascii: "["))
        for (i, c) in j.channels.enumerated() {
            if i > 0 { o.append(UInt8(ascii: ",")) }
            key("media", &o, first: true); JSONText.appendString(c.media.rawValue, to: &o)
            key("state", &o); JSONText.appendString(c.state.rawValue, to: &o)
            o.append(UInt8(ascii: "}"))
        }
        o.append(UInt8(ascii: "]"))
        key("contacts", &o)
        o.append(UInt8(ascii: "["))
        for (i, c) in j.contacts.enumerated() {
            if i > 0 { o.append(UInt8(ascii: ",")) }
            key("conversationId", &o, first: true); JSONText.appendString(c.conversationID, to: &o)
            key("media", &o); JSONText.appendString(c.media.rawValue, to: &o)
            key("startedAt", &o); JSONText.appendInt(c.start, to: &o)
            key("endedAt", &o); int(c.end, &o)
            key("queues", &o); strings(c.queues.map { EntityID(org: org, platformID: $0).description }, &o)
            key("agents", &o); strings(c.agents.map { EntityID(org: org, platformID: $0).description }, &o)
            key("transfers", &o); JSONText.appendInt(Int64(c.transfers), to: &o)
            key("dispositioned", &o); bool(c.dispositioned, &o)
            key("timedOut", &o); bool(c.timedOut, &o)
            o.append(UInt8(ascii: "}"))
        }
        o.append(UInt8(ascii: "]"))
        key("lateEvents", &o); JSONText.appendInt(Int64(j.lateEvents), to: &o)
        o.append(UInt8(ascii: "}"))
        return o
    }

    /// A `queues` or `orgs` entry, or `totals` (`org` nil: no `org` field).
    static func rollup(id: String, org: OrgID?, _ r: JourneyRollup) -> EncodedJSON {
        var o: [UInt8] = []
        o.reserveCapacity(320)
        key("id", &o, first: true); JSONText.appendString(id, to: &o)
        if let org { key("org", &o); JSONText.appendString(org.rawValue, to: &o) }
        key("active", &o); JSONText.appendInt(Int64(r.active), to: &o)
        key("activeByPath", &o); counts(r.activeByPath.map { ($0.key.description, $0.value) }, &o)
        key("activeByState", &o); counts(r.activeByState.map { ($0.key.rawValue, $0.value) }, &o)
        key("closed", &o); JSONText.appendInt(Int64(r.closed), to: &o)
        key("closedByReason", &o); counts(r.closedByReason.map { ($0.key.rawValue, $0.value) }, &o)
        key("closedByPath", &o); counts(r.closedByPath.map { ($0.key.description, $0.value) }, &o)
        key("abandonedAtTimeout", &o); JSONText.appendInt(Int64(r.abandonedAtTimeout), to: &o)
        key("meanChannelSwitches", &o); JSONText.appendDouble(r.meanChannelSwitches, to: &o)
        key("timeToCloseMs", &o)
        key("count", &o, first: true); JSONText.appendInt(Int64(r.timeCount), to: &o)
        key("meanMs", &o); JSONText.appendDouble(r.meanTimeToCloseMs.map { $0.rounded() }, decimals: 0, to: &o)
        key("minMs", &o); int(r.timeMinMs, &o)
        key("maxMs", &o); int(r.timeMaxMs, &o)
        o.append(contentsOf: "}}".utf8)
        return EncodedJSON(bytes: o)
    }

    /// `{"a":1,…}` sorted by key, zero counts left out.
    private static func counts(_ pairs: [(String, Int)], _ o: inout [UInt8]) {
        o.append(UInt8(ascii: "{"))
        var first = true
        for (k, v) in pairs.sorted(by: { $0.0 < $1.0 }) where v != 0 {
            if !first { o.append(UInt8(ascii: ",")) }
            first = false
            JSONText.appendString(k, to: &o)
            o.append(UInt8(ascii: ":"))
            JSONText.appendInt(Int64(v), to: &o)
        }
        o.append(UInt8(ascii: "}"))
    }

    private static func strings(_ values: [String], _ o: inout [UInt8]) {
        o.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { o.append(UInt8(ascii: ",")) }
            JSONText.appendString(v, to: &o)
        }
        o.append(UInt8(ascii: "]"))
    }

    /// `{"key":` for an object's first field (`first`), else `,"key":`.
    @inline(__always)
    private static func key(_ k: StaticString, _ o: inout [UInt8], first: Bool = false) {
        if first { o.append(UInt8(ascii: "{")) } else { o.append(UInt8(ascii: ",")) }
        o.append(UInt8(ascii: "\""))
        o.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
        o.append(contentsOf: "\":".utf8)
    }

    private static func int(_ v: Int64?, _ o: inout [UInt8]) {
        if let v { JSONText.appendInt(v, to: &o) } else { o.append(contentsOf: "null".utf8) }
    }

    private static func string(_ v: String?, _ o: inout [UInt8]) {
        if let v { JSONText.appendString(v, to: &o) } else { o.append(contentsOf: "null".utf8) }
    }

    private static func bool(_ v: Bool, _ o: inout [UInt8]) {
        o.append(contentsOf: (v ? "true" : "false").utf8)
    }
}
