import SwitchboardCore

/// The speech-text entities' JSON (docs/protocol.md, "Speech-text topics"), written once per change with
/// ``JSONText``. Times are epoch ms; sentiment scores and shares 4 decimals.
enum SpeechTextJSON {
    /// A `calls` entry as of `now`; `transcripts`: the org pushes transcript text (else no `transcript` field).
    static func call(_ c: SpeechTextCall, now: EpochMillis, transcripts: Bool) -> EncodedJSON {
        var o: [UInt8] = []
        o.reserveCapacity(640 + 120 * c.hits.count + (transcripts ? 160 * c.lines.count : 0))
        key("id", &o, first: true); JSONText.appendString(c.id, to: &o)
        key("org", &o); JSONText.appendString(c.org.rawValue, to: &o)
        key("conversationId", &o); JSONText.appendString(c.conversationID, to: &o)
        key("agent", &o); string(c.agent?.description, &o)
        key("queue", &o); string(c.queue?.description, &o)
        key("state", &o); JSONText.appendString(c.isLive ? "live" : "ended", to: &o)
        key("startedAt", &o); JSONText.appendInt(c.startedAt, to: &o)
        key("endedAt", &o); int(c.endedAt, &o)
        key("asOf", &o); JSONText.appendInt(now, to: &o)
        key("sources", &o)
        o.append(UInt8(ascii: "["))
        for (i, s) in c.sources.sorted().enumerated() {
            if i > 0 { o.append(UInt8(ascii: ",")) }
            JSONText.appendString(s.rawValue, to: &o)
        }
        o.append(UInt8(ascii: "]"))
        key("hits", &o)
        o.append(UInt8(ascii: "["))
        for (i, h) in c.hits.enumerated() {
            if i > 0 { o.append(UInt8(ascii: ",")) }
            key("label", &o, first: true); JSONText.appendString(h.label, to: &o)
            key("phrase", &o); JSONText.appendString(h.phrase, to: &o)
            key("channel", &o); string(h.channel?.rawValue, &o)
            key("offsetMs", &o); JSONText.appendInt(h.offsetMs, to: &o)
            key("at", &o); JSONText.appendInt(h.at, to: &o)
            key("source", &o); JSONText.appendString(h.source.rawValue, to: &o)
            o.append(UInt8(ascii: "}"))
        }
        o.append(UInt8(ascii: "]"))
        key("hitCount", &o); JSONText.appendInt(Int64(c.hitCount), to: &o)
        key("labels", &o)
        o.append(UInt8(ascii: "{"))
        for (i, label) in c.labels.keys.sorted().enumerated() {
            if i > 0 { o.append(UInt8(ascii: ",")) }
            JSONText.appendString(label, to: &o)
            o.append(UInt8(ascii: ":"))
            JSONText.appendInt(Int64(c.labels[label]!), to: &o)
        }
        o.append(UInt8(ascii: "}"))
        key("sentiment", &o)
        key("customer", &o, first: true)
        side(now: c.track.rolling(.customer, at: now), trend: c.track.customerTrend(at: now), c.customer, &o)
        key("agent", &o)
        side(now: c.track.rolling(.agent, at: now), trend: nil, c.agentSide, &o)
        o.append(UInt8(ascii: "}"))
        key("negative", &o); o.append(contentsOf: (c.isNegative ? "true" : "false").utf8)
        key("hot", &o)
        if let since = c.hotSince {
            key("since", &o, first: true); JSONText.appendInt(since, to: &o)
            key("reasons", &o)
            o.append(UInt8(ascii: "["))
            for (i, r) in c.hotReasons.enumerated() {
                if i > 0 { o.append(UInt8(ascii: ",")) }
                JSONText.appendString(r.wire, to: &o)
            }
            o.append(contentsOf: "]}".utf8)
        } else {
            o.append(contentsOf: "null".utf8)
        }
        if transcripts {
            key("transcript", &o)
            o.append(UInt8(ascii: "["))
            for (i, l) in c.lines.enumerated() {
                if i > 0 { o.append(UInt8(ascii: ",")) }
                key("channel", &o, first: true); string(l.channel?.rawValue, &o)
                key("text", &o); JSONText.appendString(l.text, to: &o)
                key("offsetMs", &o); JSONText.appendInt(l.offsetMs, to: &o)
                key("at", &o); JSONText.appendInt(l.at, to: &o)
                o.append(UInt8(ascii: "}"))
            }
            o.append(UInt8(ascii: "]"))
        }
        o.append(UInt8(ascii: "}"))
        return EncodedJSON(bytes: o)
    }

    /// An `agents`, `queues` or `orgs` entry, or `totals` (`org` nil: no `org` field), as of `now`.
    static func rollup(id: String, org: OrgID?, _ r: SpeechTextRollup, now: EpochMillis) -> EncodedJSON {
        var o: [UInt8] = []
        o.reserveCapacity(256 + 64 * r.labels.count)
        key("id", &o, first: true); JSONText.appendString(id, to: &o)
        if let org { key("org", &o); JSONText.appendString(org.rawValue, to: &o) }
        key("keywords", &o)
        o.append(UInt8(ascii: "{"))
        var first = true
        for label in r.labels.keys.sorted() {
            let counts = r.labels[label]!
            guard counts.today > 0 || counts.last(60, at: now) > 0 else { continue }
            if !first { o.append(UInt8(ascii: ",")) }
            first = false
            JSONText.appendString(label, to: &o)
            o.append(UInt8(ascii: ":"))
            windows(counts, now: now, &o)
        }
        o.append(UInt8(ascii: "}"))
        key("hits", &o); windows(r.hits, now: now, &o)
        key("calls", &o); JSONText.appendInt(Int64(r.calls), to: &o)
        key("live", &o); JSONText.appendInt(Int64(r.live), to: &o)
        key("sentimentCalls", &o); JSONText.appendInt(Int64(r.sentimentCalls), to: &o)
        key("negativeCalls", &o); JSONText.appendInt(Int64(r.negativeCalls), to: &o)
        key("negativeShare", &o)
        JSONText.appendDouble(r.sentimentCalls > 0 ? Double(r.negativeCalls) / Double(r.sentimentCalls) : nil, to: &o)
        key("hotCalls", &o); JSONText.appendInt(Int64(r.hotCalls), to: &o)
        o.append(UInt8(ascii: "}"))
        return EncodedJSON(bytes: o)
    }

    private static func windows(_ c: MinuteCounts, now: EpochMillis, _ o: inout [UInt8]) {
        key("m15", &o, first: true); JSONText.appendInt(Int64(c.last(15, at: now)), to: &o)
        key("m60", &o); JSONText.appendInt(Int64(c.last(60, at: now)), to: &o)
        key("today", &o); JSONText.appendInt(Int64(c.today), to: &o)
        o.append(UInt8(ascii: "}"))
    }

    private static func side(now: Double?, trend: Double?, _ overall: SpeechTextCall.Overall, _ o: inout [UInt8]) {
        key("now", &o, first: true); JSONText.appendDouble(now, to: &o)
        key("trend", &o); JSONText.appendDouble(trend, to: &o)
        key("overall", &o); JSONText.appendDouble(overall.mean, to: &o)
        key("utterances", &o); JSONText.appendInt(Int64(overall.utterances), to: &o)
        o.append(UInt8(ascii: "}"))
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
}
