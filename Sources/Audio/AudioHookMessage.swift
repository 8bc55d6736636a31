/// One AudioHook text message (protocol version 2), in either direction.
///
/// ```json
/// {"version":"2","id":"<session>","type":"open","seq":1,"serverseq":0,"position":"PT0S","parameters":{…}}
/// {"version":"2","id":"<session>","type":"opened","seq":1,"clientseq":1,"parameters":{…}}
/// ```
///
/// Client messages (Genesys → Switchboard) carry `serverseq` (the last server `seq` seen) and
/// `position` (the stream position); server messages carry `clientseq` (the last client `seq` seen).
/// `seq` starts at 1 on each side and goes up by exactly 1.
///
/// Decode with ``decode(_:)-(String)`` (typed ``AudioHookError``s, never a trap); encode with ``json``.
public struct AudioHookMessage: Sendable, Hashable {
    public var version: String
    /// The session id (the upgrade's `Audiohook-Session-Id`).
    public var id: String
    public var seq: Int
    /// Server messages: the last client `seq` seen.
    public var clientseq: Int?
    /// Client messages: the last server `seq` seen.
    public var serverseq: Int?
    /// Client messages: the stream position when the message was sent.
    public var position: AudioHookDuration?
    public var parameters: Parameters

    public var type: AudioHookMessageType { parameters.type }

    /// The null UUID: the conversation id of a probe session.
    public static let nullUUID = "00000000-0000-0000-0000-000000000000"

    /// A client → server message.
    public init(id: String, seq: Int, serverseq: Int, position: AudioHookDuration, _ parameters: Parameters) {
        self.version = "2"
        self.id = id
        self.seq = seq
        self.serverseq = serverseq
        self.position = position
        self.parameters = parameters
    }

    /// A server → client message.
    public init(id: String, seq: Int, clientseq: Int, _ parameters: Parameters) {
        self.version = "2"
        self.id = id
        self.seq = seq
        self.clientseq = clientseq
        self.parameters = parameters
    }

    /// The typed `parameters` of each message type.
    public enum Parameters: Sendable, Hashable {
        // Client → server
        case open(Open)
        case ping(Ping)
        case paused
        case resumed(Gap)
        case discarded(Gap)
        case update(Update)
        case close(Close)
        case error(ClientError)
        // Server → client
        case opened(Opened)
        case pong
        case pause
        case resume
        case updated
        case closed
        case disconnect(Disconnect)
        case event(Event)
        case reconnect(Reconnect)

        public var type: AudioHookMessageType {
            switch self {
            case .open: .open
            case .ping: .ping
            case .paused: .paused
            case .resumed: .resumed
            case .discarded: .discarded
            case .update: .update
            case .close: .close
            case .error: .error
            case .opened: .opened
            case .pong: .pong
            case .pause: .pause
            case .resume: .resume
            case .updated: .updated
            case .closed: .closed
            case .disconnect: .disconnect
            case .event: .event
            case .reconnect: .reconnect
            }
        }
    }
}

/// Every message type of protocol version 2.
public enum AudioHookMessageType: String, Sendable, Hashable, CaseIterable, Codable {
    case open, ping, paused, resumed, discarded, update, close, error
    case opened, pong, pause, resume, updated, closed, disconnect, event, reconnect

    /// Sent by the client (Genesys); the others are sent by the server.
    public var isClientMessage: Bool {
        switch self {
        case .open, .ping, .paused, .resumed, .discarded, .update, .close, .error: true
        default: false
        }
    }
}

// MARK: - Codable

extension AudioHookMessage: Codable {
    enum Key: String, CodingKey {
        case version, id, type, seq, clientseq, serverseq, position, parameters
    }

    /// An empty `parameters` object (which must still be an object).
    private struct Empty: Codable {
        init() {}
        init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: Key.self) }
        func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: Key.self) }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        // The type first, so every later error can name it.
        guard c.contains(.type) else { throw AudioHookError.missingField("type", in: nil) }
        let typeText: String
        do { typeText = try c.decode(String.self, forKey: .type) } catch {
            throw AudioHookError.invalidField("type", in: nil, expected: "a string naming the message type")
        }
        guard let type = AudioHookMessageType(rawValue: typeText) else { throw AudioHookError.unknownType(typeText) }
        let name = type.rawValue
        do {
            version = try c.decode(String.self, forKey: .version)
            guard version == "2" else { throw AudioHookError.unsupportedVersion(version) }
            id = try c.decode(String.self, forKey: .id)
            guard AudioHookMessage.isUUID(id) else {
                throw AudioHookError.invalidField("id", in: name, expected: "the session's UUID")
            }
            seq = try c.decode(Int.self, forKey: .seq)
            guard seq >= 0 else { throw AudioHookError.invalidField("seq", in: name, expected: "a whole number ≥ 0") }
            if type.isClientMessage {
                let s = try c.decode(Int.self, forKey: .serverseq)
                guard s >= 0 else { throw AudioHookError.invalidField("serverseq", in: name, expected: "a whole number ≥ 0") }
                serverseq = s
                position = try c.decode(AudioHookDuration.self, forKey: .position)
                clientseq = nil
            } else {
                let s = try c.decode(Int.self, forKey: .clientseq)
                guard s >= 0 else { throw AudioHookError.invalidField("clientseq", in: name, expected: "a whole number ≥ 0") }
                clientseq = s
                serverseq = nil
                position = nil
            }
            parameters = try Self.parameters(type, c)
            try Self.validate(parameters, type: name)
        } catch let error as DecodingError {
            throw AudioHookError(error, type: name)
        }
    }

    private static func parameters(_ type: AudioHookMessageType, _ c: KeyedDecodingContainer<Key>) throws -> Parameters {
        func p<T: Decodable>(_: T.Type) throws -> T { try c.decode(T.self, forKey: .parameters) }
        switch type {
        case .open: return .open(try p(Open.self))
        case .ping: return .ping(try p(Ping.self))
        case .paused: _ = try p(Empty.self); return .paused
        case .resumed: return .resumed(try p(Gap.self))
        case .discarded: return .discarded(try p(Gap.self))
        case .update: return .update(try p(Update.self))
        case .close: return .close(try p(Close.self))
        case .error: return .error(try p(ClientError.self))
        case .opened: return .opened(try p(Opened.self))
        case .pong: _ = try p(Empty.self); return .pong
        case .pause: _ = try p(Empty.self); return .pause
        case .resume: _ = try p(Empty.self); return .resume
        case .updated: _ = try p(Empty.self); return .updated
        case .closed: _ = try p(Empty.self); return .closed
        case .disconnect: return .disconnect(try p(Disconnect.self))
        case .event: return .event(try p(Event.self))
        case .reconnect: return .reconnect(try p(Reconnect.self))
        }
    }

    /// Rules Codable cannot express: UUIDs where the protocol has them, 1–2 channels per medium.
    private static func validate(_ parameters: Parameters, type: String) throws {
        guard case .open(let open) = parameters else { return }
        for (path, value) in [("organizationId", open.organizationId), ("conversationId", open.conversationId),
                              ("participant.id", open.participant.id)] where !isUUID(value) {
            throw AudioHookError.invalidField("parameters.\(path)", in: type, expected: "a UUID")
        }
        for (i, m) in open.media.enumerated() where !(1...2).contains(m.channels.count) {
            throw AudioHookError.invalidField("parameters.media[\(i)].channels", in: type, expected: "a list of 1 or 2 channels")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(version, forKey: .version)
        try c.encode(id, forKey: .id)
        try c.encode(type.rawValue, forKey: .type)
        try c.encode(seq, forKey: .seq)
        try c.encodeIfPresent(clientseq, forKey: .clientseq)
        try c.encodeIfPresent(serverseq, forKey: .serverseq)
        try c.encodeIfPresent(position, forKey: .position)
        switch parameters {
        case .open(let v): try c.encode(v, forKey: .parameters)
        case .ping(let v): try c.encode(v, forKey: .parameters)
        case .resumed(let v), .discarded(let v): try c.encode(v, forKey: .parameters)
        case .update(let v): try c.encode(v, forKey: .parameters)
        case .close(let v): try c.encode(v, forKey: .parameters)
        case .error(let v): try c.encode(v, forKey: .parameters)
        case .opened(let v): try c.encode(v, forKey: .parameters)
        case .disconnect(let v): try c.encode(v, forKey: .parameters)
        case .event(let v): try c.encode(v, forKey: .parameters)
        case .reconnect(let v): try c.encode(v, forKey: .parameters)
        case .paused, .pong, .pause, .resume, .updated, .closed: try c.encode(Empty(), forKey: .parameters)
        }
    }

    /// 8-4-4-4-12 hexadecimal digits (any version; the null UUID included).
    public static func isUUID(_ s: String) -> Bool {
        let u = s.utf8
        guard u.count == 36 else { return false }
        for (i, b) in u.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard b == UInt8(ascii: "-") else { return false }
            } else {
                let hex = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
                guard hex else { return false }
            }
        }
        return true
    }
}
