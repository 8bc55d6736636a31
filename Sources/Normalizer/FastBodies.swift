/// Fast decoding of the hot envelopes with ``JSONScanner``; nil means "use JSONDecoder".
/// Produces exactly the ``GenesysWire`` values the decoder would.
enum FastBodies {
    static func envelope<Body>(_ type: Body.Type, _ frame: [UInt8]) -> GenesysWire.Envelope<Body>? {
        if Body.self == GenesysWire.RoutingStatusBody.self {
            return scan(frame) { try routingBody(&$0) } as? GenesysWire.Envelope<Body>
        }
        if Body.self == GenesysWire.Presence.self {
            return scan(frame) { try presence(&$0) } as? GenesysWire.Envelope<Body>
        }
        if Body.self == GenesysWire.ActivityBody.self {
            return scan(frame) { try activity(&$0) } as? GenesysWire.Envelope<Body>
        }
        if Body.self == GenesysWire.MessageBody.self {
            return scan(frame) { try message(&$0) } as? GenesysWire.Envelope<Body>
        }
        return nil
    }

    private static func scan<Body>(_ frame: [UInt8],
                                   _ body: (inout JSONScanner) throws -> Body) -> GenesysWire.Envelope<Body>? {
        frame.withUnsafeBufferPointer { buf in
            var s = JSONScanner(buf)
            var env = GenesysWire.Envelope<Body>()
            do {
                try s.object { s, k in
                    if s.key(k, is: "topicName") {
                        env.topicName = try s.optString()
                    } else if s.key(k, is: "eventBody") {
                        env.eventBody = s.null() ? nil : try body(&s)
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
    }

    private static func routingValue(_ s: inout JSONScanner) throws -> GenesysWire.RoutingStatusValue? {
        if s.null() { return nil }
        var v = GenesysWire.RoutingStatusValue()
        try s.object { s, k in
            if s.key(k, is: "status") {
                v.status = try s.optString()
            } else if s.key(k, is: "startTime") {
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
        try s.object { s, k in
            if s.key(k, is: "id") {
                d.id = try s.optString()
            } else if s.key(k, is: "systemPresence") {
                d.systemPresence = try s.optString()
            } else {
                try s.skipValue()
            }
        }
        return d
    }

    static func presence(_ s: inout JSONScanner) throws -> GenesysWire.Presence {
        var p = GenesysWire.Presence()
        try s.object { s, k in
            if s.key(k, is: "presenceDefinition") {
                p.presenceDefinition = try definition(&s)
            } else if s.key(k, is: "modifiedDate") {
                p.modifiedDate = try s.optString()
            } else {
                try s.skipValue()
            }
        }
        return p
    }

    static func routingBody(_ s: inout JSONScanner) throws -> GenesysWire.RoutingStatusBody {
        var r = GenesysWire.RoutingStatusBody()
        try s.object { s, k in
            if s.key(k, is: "id") {
                r.id = try s.optString()
            } else if s.key(k, is: "routingStatus") {
                r.routingStatus = try routingValue(&s)
            } else {
                try s.skipValue()
            }
        }
        return r
    }

    static func activity(_ s: inout JSONScanner) throws -> GenesysWire.ActivityBody {
        var a = GenesysWire.ActivityBody()
        try s.object { s, k in
            if s.key(k, is: "id") {
                a.id = try s.optString()
            } else if s.key(k, is: "routingStatus") {
                a.routingStatus = try routingValue(&s)
            } else if s.key(k, is: "presence") {
                a.presence = s.null() ? nil : try presence(&s)
            } else if s.key(k, is: "activeQueueIds") {
                a.activeQueueIds = try s.optStringArray()
            } else {
                try s.skipValue()
            }
        }
        return a
    }

    static func message(_ s: inout JSONScanner) throws -> GenesysWire.MessageBody {
        var m = GenesysWire.MessageBody()
        try s.object { s, k in
            if s.key(k, is: "message") { m.message = try s.optString() } else { try s.skipValue() }
        }
        return m
    }
}
