import SwitchboardCore

/// The speech entities' JSON (docs/protocol.md, "Speech topics"), written once per change with
/// ``JSONText`` into a buffer reserved for the typical size. Times are epoch ms, durations ms, shares and
/// ratios 4 decimals, levels 1 decimal.
enum SpeechJSON {
    /// A `calls` entry.
    static func call(_ s: SpeechSession) -> EncodedJSON {
        var o: [UInt8] = []
        o.reserveCapacity(640 + 96 * s.segments.count)
        let m = s.metrics
        let cur = s.current
        key("id", &o, first: true); JSONText.appendString(s.id, to: &o)
        key("org", &o); JSONText.appendString(s.org.rawValue, to: &o)
        key("session", &o); JSONText.appendString(s.session, to: &o)
        key("conversationId", &o); JSONText.appendString(s.conversation.id, to: &o)
        key("agent", &o); id(cur.agent, &o)
        key("queue", &o); id(cur.queue, &o)
        key("state", &o); JSONText.appendString(s.state.rawValue, to: &o)
        key("openedAt", &o); JSONText.appendInt(s.openedAt, to: &o)
        key("endedAt", &o); int(s.endedAt, &o)
        key("endReason", &o); string(s.endReason, &o)
        key("asOf", &o); JSONText.appendInt(s.asOf, to: &o)
        key("analysedMs", &o); JSONText.appendInt(m.analysedMs, to: &o)
        key("gapMs", &o); JSONText.appendInt(m.gapMs, to: &o)
        key("silenceMs", &o); JSONText.appendInt(m.silenceMs, to: &o)
        key("overtalkMs", &o); JSONText.appendInt(m.overtalkMs, to: &o)
        key("longestSilenceMs", &o); JSONText.appendInt(m.longestSilenceMs, to: &o)
        let share = { (v: Int64) -> Double in m.analysedMs > 0 ? Double(v) / Double(m.analysedMs) : 0 }
        key("silenceShare", &o); JSONText.appendDouble(share(m.silenceMs), to: &o)
        key("overtalkShare", &o); JSONText.appendDouble(share(m.overtalkMs), to: &o)
        key("talkRatio", &o); JSONText.appendDouble(m.talkRatio, to: &o)
        key("channels", &o)
        key("customer", &o, first: true); channel(m.customer, &o)
        key("agent", &o); channel(m.agent, &o)
        o.append(UInt8(ascii: "}"))
        key("segments", &o)
        o.append(UInt8(ascii: "["))
        for (i, seg) in s.segments.enumerated() {
            if i > 0 { o.append(UInt8(ascii: ",")) }
            key("agent", &o, first: true); id(seg.agent, &o)
            key("queue", &o); id(seg.queue, &o)
            key("fromMs", &o); JSONText.appendInt(seg.fromMs, to: &o)
            key("toMs", &o); int(seg.toMs, &o)
            o.append(UInt8(ascii: "}"))
        }
        o.append(contentsOf: "]}".utf8)
        return EncodedJSON(bytes: o)
    }

    /// An `agents`, `queues` or `orgs` entry, or `totals` (`org` nil: no `org` field).
    static func rollup(id: String, org: OrgID?, _ r: SpeechRollup) -> EncodedJSON {
        var o: [UInt8] = []
        o.reserveCapacity(320)
        let f = r.figures
        key("id", &o, first: true); JSONText.appendString(id, to: &o)
        if let org { key("org", &o); JSONText.appendString(org.rawValue, to: &o) }
        key("calls", &o); JSONText.appendInt(Int64(r.calls), to: &o)
        key("live", &o); JSONText.appendInt(Int64(r.live), to: &o)
        key("analysedMs", &o); JSONText.appendInt(f.analysedMs, to: &o)
        key("silenceMs", &o); JSONText.appendInt(f.silenceMs, to: &o)
        key("overtalkMs", &o); JSONText.appendInt(f.overtalkMs, to: &o)
        key("agentTalkMs", &o); JSONText.appendInt(f.agentTalkMs, to: &o)
        key("customerTalkMs", &o); JSONText.appendInt(f.customerTalkMs, to: &o)
        key("agentOvertalkMs", &o); JSONText.appendInt(f.agentOvertalkMs, to: &o)
        key("silenceShare", &o); JSONText.appendDouble(f.silenceShare, to: &o)
        key("overtalkShare", &o); JSONText.appendDouble(f.overtalkShare, to: &o)
        key("talkRatio", &o); JSONText.appendDouble(f.talkRatio, to: &o)
        o.append(UInt8(ascii: "}"))
        return EncodedJSON(bytes: o)
    }

    /// `{"key":` for an object's first field (`first`), else `,"key":`.
    @inline(__always)
    private static func key(_ k: StaticString, _ o: inout [UInt8], first: Bool = false) {
        if first { o.append(UInt8(ascii: "{")) } else { o.append(UInt8(ascii: ",")) }
        o.append(UInt8(ascii: "\""))
        o.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
        o.append(contentsOf: "\":".utf8)
    }

    private static func id(_ v: EntityID?, _ o: inout [UInt8]) {
        if let v { JSONText.appendString(v.description, to: &o) } else { o.append(contentsOf: "null".utf8) }
    }

    private static func int(_ v: Int64?, _ o: inout [UInt8]) {
        if let v { JSONText.appendInt(v, to: &o) } else { o.append(contentsOf: "null".utf8) }
    }

    private static func string(_ v: String?, _ o: inout [UInt8]) {
        if let v { JSONText.appendString(v, to: &o) } else { o.append(contentsOf: "null".utf8) }
    }

    private static func channel(_ c: SpeechMetrics.Channel?, _ o: inout [UInt8]) {
        guard let c else { return o.append(contentsOf: "null".utf8) }
        key("talkMs", &o, first: true); JSONText.appendInt(c.talkMs, to: &o)
        key("silenceMs", &o); JSONText.appendInt(c.silenceMs, to: &o)
        key("overtalkMs", &o); JSONText.appendInt(c.overtalkMs, to: &o)
        key("levelDbfs", &o); JSONText.appendDouble(c.levelDbfs, decimals: 1, to: &o)
        o.append(UInt8(ascii: "}"))
    }
}
