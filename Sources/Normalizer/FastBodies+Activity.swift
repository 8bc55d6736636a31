import SwitchboardCore

/// An activity body as the normalizer uses it: event times already parsed and the active queues
/// already namespaced, so the fast reader makes no time strings and (through ``QueueListCache``) no
/// queue id strings or arrays for a queue list it has seen before.
struct ActivityFacts {
    /// Whether `presence` / `routingStatus` were objects (not absent or null).
    var hasPresence = false
    var hasRouting = false
    var systemPresence: String?
    var presenceAt: EpochMillis?
    var status: String?
    var routingAt: EpochMillis?
    var activeQueues: [EntityID]?

    /// The `Decodable` path's body, mapped the same way (`NotificationNormalizer.time` on the strings).
    init(_ body: GenesysWire.ActivityBody, org: OrgID) {
        hasPresence = body.presence != nil
        hasRouting = body.routingStatus != nil
        systemPresence = body.presence?.presenceDefinition?.systemPresence
        presenceAt = NotificationNormalizer.time(body.presence?.modifiedDate)
        status = body.routingStatus?.status
        routingAt = NotificationNormalizer.time(body.routingStatus?.startTime)
        activeQueues = body.activeQueueIds.map { $0.map { EntityID(org: org, platformID: $0) } }
    }

    init() {}
}

extension FastBodies {
    /// ``activity(_:)`` read into ``ActivityFacts``: the same fields, checked the same way, with times
    /// parsed from the frame bytes (``JSONScanner/optTime()``) and queue lists from `queues`.
    static func activityFacts(_ s: inout JSONScanner, queues: QueueListCache, org: OrgID) throws -> ActivityFacts {
        var a = ActivityFacts()
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "id") {
                try s.once(&seen, 1)
                try s.skipOptString()  // declared, never read
            } else if s.key(k, is: "routingStatus") {
                try s.once(&seen, 2)
                try routingFacts(&s, into: &a)
            } else if s.key(k, is: "presence") {
                try s.once(&seen, 4)
                try presenceFacts(&s, into: &a)
            } else if s.key(k, is: "activeQueueIds") {
                try s.once(&seen, 8)
                a.activeQueues = try queueList(&s, queues: queues, org: org)
            } else {
                try s.skipValue()
            }
        }
        return a
    }

    private static func routingFacts(_ s: inout JSONScanner, into a: inout ActivityFacts) throws {
        if s.null() { return }
        a.hasRouting = true
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "status") {
                try s.once(&seen, 1)
                a.status = try s.optString()
            } else if s.key(k, is: "startTime") {
                try s.once(&seen, 2)
                a.routingAt = try s.optTime()
            } else {
                try s.skipValue()
            }
        }
    }

    private static func presenceFacts(_ s: inout JSONScanner, into a: inout ActivityFacts) throws {
        if s.null() { return }
        a.hasPresence = true
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "presenceDefinition") {
                try s.once(&seen, 1)
                if s.null() { return }
                var inner: UInt32 = 0
                try s.object { s, k in
                    if s.key(k, is: "id") {
                        try s.once(&inner, 1)
                        try s.skipOptString()  // declared, never read
                    } else if s.key(k, is: "systemPresence") {
                        try s.once(&inner, 2)
                        a.systemPresence = try s.optString()
                    } else {
                        try s.skipValue()
                    }
                }
            } else if s.key(k, is: "modifiedDate") {
                try s.once(&seen, 2)
                a.presenceAt = try s.optTime()
            } else {
                try s.skipValue()
            }
        }
    }

    /// `activeQueueIds` (null or an array of plain strings, as ``JSONScanner/optStringArray()``
    /// accepts): validated in place without making strings, then looked up by its bytes; only a list
    /// not seen before is read into strings.
    private static func queueList(_ s: inout JSONScanner, queues: QueueListCache, org: OrgID) throws -> [EntityID]? {
        s.ws()
        let first = s
        if s.null() { return nil }
        guard s.i < s.b.count, s.b[s.i] == 0x5B else { throw JSONScanner.Fallback() }
        s.i += 1
        s.ws()
        if s.i < s.b.count, s.b[s.i] == 0x5D {
            s.i += 1
            return []
        }
        while true {
            s.ws()
            guard try s.optStringRange() != nil else { throw JSONScanner.Fallback() }
            s.ws()
            guard s.i < s.b.count else { throw JSONScanner.Fallback() }
            if s.b[s.i] == 0x2C {
                s.i += 1
                continue
            }
            guard s.b[s.i] == 0x5D else { throw JSONScanner.Fallback() }
            s.i += 1
            break
        }
        let text = UnsafeBufferPointer(rebasing: s.b[first.i..<s.i])
        return try queues.ids(text: text) {
            var again = first
            return try again.optStringArray()?.map { EntityID(org: org, platformID: $0) } ?? []
        }
    }
}
