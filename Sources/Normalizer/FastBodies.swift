/// Fast decoding of notification envelopes with ``JSONScanner``; nil means "use JSONDecoder".
///
/// Each reader is specialised for its body (no generic casts) and gives what the `Decodable` path
/// gives after the same mapping: the ``GenesysWire`` status bodies (fields the normalizer never reads,
/// like `presenceDefinition.id`, are type-checked but not kept), a ``ConversationReducer/Snapshot``
/// or an ``ObservationReducer/Snapshot``. `FastPathDifferentialTests` holds them to that.
enum FastBodies {
    /// An envelope as the fast path reads it: the topic as a byte range of the frame.
    struct Envelope<Body> {
        var topic: Range<Int>?
        var body: Body?
    }

    /// Reads `{topicName, eventBody, …}` with `body` reading a non-null `eventBody`.
    @inline(__always)
    static func envelope<Body>(_ frame: UnsafeBufferPointer<UInt8>,
                               _ body: (inout JSONScanner) throws -> Body) -> Envelope<Body>? {
        var s = JSONScanner(frame)
        var env = Envelope<Body>()
        var seen: UInt32 = 0
        do {
            try s.object { s, k in
                if s.key(k, is: "topicName") {
                    try s.once(&seen, 1)
                    env.topic = try s.optStringRange()
                } else if s.key(k, is: "eventBody") {
                    try s.once(&seen, 2)
                    env.body = s.null() ? nil : try body(&s)
                } else {
                    try s.skipValue()
                }
            }
            try s.end()
            return env
        } catch {
            return nil
        }
    }

    private static func routingValue(_ s: inout JSONScanner) throws -> GenesysWire.RoutingStatusValue? {
        if s.null() { return nil }
        var v = GenesysWire.RoutingStatusValue()
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "status") {
                try s.once(&seen, 1)
                v.status = try s.optString()
            } else if s.key(k, is: "startTime") {
                try s.once(&seen, 2)
                v.startTime = try s.optString()
            } else {
                try s.skipValue()
            }
        }
        return v
    }

    private static func definition(_ s: inout JSONScanner) throws -> GenesysWire.PresenceDefinition? {
        if s.null() { return nil }
        var d = GenesysWire.PresenceDefinition()
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "id") {
                try s.once(&seen, 1)
                try s.skipOptString()  // declared, never read
            } else if s.key(k, is: "systemPresence") {
                try s.once(&seen, 2)
                d.systemPresence = try s.optString()
            } else {
                try s.skipValue()
            }
        }
        return d
    }

    static func presence(_ s: inout JSONScanner) throws -> GenesysWire.Presence {
        var p = GenesysWire.Presence()
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "presenceDefinition") {
                try s.once(&seen, 1)
                p.presenceDefinition = try definition(&s)
            } else if s.key(k, is: "modifiedDate") {
                try s.once(&seen, 2)
                p.modifiedDate = try s.optString()
            } else {
                try s.skipValue()
            }
        }
        return p
    }

    static func routingBody(_ s: inout JSONScanner) throws -> GenesysWire.RoutingStatusBody {
        var r = GenesysWire.RoutingStatusBody()
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "id") {
                try s.once(&seen, 1)
                try s.skipOptString()  // declared, never read
            } else if s.key(k, is: "routingStatus") {
                try s.once(&seen, 2)
                r.routingStatus = try routingValue(&s)
            } else {
                try s.skipValue()
            }
        }
        return r
    }

    static func message(_ s: inout JSONScanner) throws -> GenesysWire.MessageBody {
        var m = GenesysWire.MessageBody()
        var seen: UInt32 = 0
        try s.object { s, k in
            if s.key(k, is: "message") {
                try s.once(&seen, 1)
                m.message = try s.optString()
            } else {
                try s.skipValue()
            }
        }
        return m
    }
}
