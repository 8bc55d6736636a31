import SwitchboardCore

/// `v2.analytics.queues.{id}.observations` bodies (``GenesysWire/ObservationBody``) read straight into
/// an ``ObservationReducer/Snapshot``, metric by metric in body order.
extension FastBodies {
    /// `topicQueue` is the queue id of the topic: `group.queueId` usually spells it, and then shares
    /// its storage.
    static func observations(_ s: inout JSONScanner, topicQueue: String) throws -> ObservationReducer.Snapshot {
        var snap = ObservationReducer.Snapshot()
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "group") {
                try s.once(&seen, 1)
                try group(&s, into: &snap, topicQueue: topicQueue)
            } else if s.key(k, is: "data") {
                try s.once(&seen, 2)
                _ = try s.optArray { s in try datum(&s, into: &snap) }
            } else {
                try s.skipValue()
            }
        }
        return snap
    }

    private static func group(_ s: inout JSONScanner, into snap: inout ObservationReducer.Snapshot,
                              topicQueue: String) throws {
        if s.null() { return }
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "queueId") {
                try s.once(&seen, 1)
                snap.queueID = try s.optStringRange().map { s.string($0, reusing: topicQueue) }
            } else if s.key(k, is: "mediaType") {
                try s.once(&seen, 2)
                snap.mediaType = try s.optStringRange().map { s.string($0) }
            } else if s.key(k, is: "userId") {
                try s.once(&seen, 4)
                try s.skipOptString()  // declared, never read
            } else {
                try s.skipValue()
            }
        }
    }

    private static func datum(_ s: inout JSONScanner, into snap: inout ObservationReducer.Snapshot) throws {
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "interval") {
                try s.once(&seen, 1)
                if let r = try s.optStringRange(), let slash = r.firstIndex(where: { s.b[$0] == 0x2F }) {
                    snap.see(Timestamp.parse(utf8: UnsafeBufferPointer(rebasing: s.b[r.lowerBound..<slash])))
                }
            } else if s.key(k, is: "metrics") {
                try s.once(&seen, 2)
                _ = try s.optArray { s in try metric(&s, into: &snap) }
            } else {
                try s.skipValue()
            }
        }
    }

    private static func metric(_ s: inout JSONScanner, into snap: inout ObservationReducer.Snapshot) throws {
        var name: Range<Int>?
        var qualifier: Range<Int>?
        var count: Double?, max: Double?, calculated: Double?, current: Double?
        var oldest: EpochMillis?
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "metric") {
                try s.once(&seen, 1)
                name = try s.optStringRange()
            } else if s.key(k, is: "qualifier") {
                try s.once(&seen, 2)
                qualifier = try s.optStringRange()
            } else if s.key(k, is: "stats") {
                try s.once(&seen, 4)
                try stats(&s, count: &count, max: &max, calculated: &calculated, current: &current)
            } else if s.key(k, is: "observations") {
                try s.once(&seen, 8)
                _ = try s.optArray { s in
                    let t = try observationDate(&s)
                    snap.see(t)
                    if let t { oldest = Swift.min(oldest ?? t, t) }
                }
            } else {
                try s.skipValue()
            }
        }
        guard let name, let kind = kind(s, name) else { return }
        snap.tally.add(ObservationReducer.MetricFacts(
            kind: kind, count: count, longest: max ?? calculated ?? current,
            status: kind == .userRoutingStatuses ? NotificationNormalizer.routing(qualifier.map { s.string($0) }) : nil,
            oldestObservation: kind == .waiting ? oldest : nil))
    }

    private static func kind(_ s: JSONScanner, _ r: Range<Int>) -> ObservationReducer.Kind? {
        if s.key(r, is: "oWaiting") { return .waiting }
        if s.key(r, is: "oInteracting") { return .interacting }
        if s.key(r, is: "oAlerting") { return .alerting }
        if s.key(r, is: "oOnQueueUsers") { return .onQueueUsers }
        if s.key(r, is: "oUserRoutingStatuses") { return .userRoutingStatuses }
        if s.key(r, is: "oLongestWaiting") { return .longestWaiting }
        return nil
    }

    /// `stats` (`StatisticalSummary`): null, or an object of numbers.
    private static func stats(_ s: inout JSONScanner, count: inout Double?, max: inout Double?,
                              calculated: inout Double?, current: inout Double?) throws {
        if s.null() { return }
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "count") {
                try s.once(&seen, 1)
                count = try s.optNumber()
            } else if s.key(k, is: "max") {
                try s.once(&seen, 2)
                max = try s.optNumber()
            } else if s.key(k, is: "calculatedMetricValue") {
                try s.once(&seen, 4)
                calculated = try s.optNumber()
            } else if s.key(k, is: "current") {
                try s.once(&seen, 8)
                current = try s.optNumber()
            } else if s.key(k, is: "sum") {
                try s.once(&seen, 16)
                _ = try s.optNumber()  // declared, never read
            } else {
                try s.skipValue()
            }
        }
    }

    /// One `observations[]` entry: its `observationDate` as a time.
    private static func observationDate(_ s: inout JSONScanner) throws -> EpochMillis? {
        var t: EpochMillis?
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "observationDate") {
                try s.once(&seen, 1)
                t = try s.optTime()
            } else {
                try s.skipValue()
            }
        }
        return t
    }
}
