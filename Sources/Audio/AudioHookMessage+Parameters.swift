extension AudioHookMessage {
    /// The caller of an `open`: the customer's participant in the conversation.
    public struct Participant: Sendable, Hashable, Codable {
        public var id: String
        public var ani: String?
        public var aniName: String?
        public var dnis: String?

        public init(id: String, ani: String? = nil, aniName: String? = nil, dnis: String? = nil) {
            self.id = id
            self.ani = ani
            self.aniName = aniName
            self.dnis = dnis
        }
    }

    /// A session this one continues (`open.parameters.continuedSessions`).
    public struct ContinuedSession: Sendable, Hashable, Codable {
        public var id: String
        public var serverseq: Int
        public var clientseq: Int

        public init(id: String, serverseq: Int, clientseq: Int) {
            self.id = id
            self.serverseq = serverseq
            self.clientseq = clientseq
        }
    }

    /// `open` (client): who is talking and the media offered.
    public struct Open: Sendable, Hashable, Codable {
        public var organizationId: String
        /// The conversation; the null UUID for the probe Genesys sends when an integration is activated.
        public var conversationId: String
        public var participant: Participant
        public var media: [AudioMedia]
        public var language: String?
        /// True when the client asks for `supportedLanguages` in `opened`.
        public var supportedLanguages: Bool?
        public var continuedSessions: [ContinuedSession]?
        public var customConfig: [String: AudioHookJSON]?

        public init(organizationId: String, conversationId: String, participant: Participant, media: [AudioMedia],
                    language: String? = nil, supportedLanguages: Bool? = nil, continuedSessions: [ContinuedSession]? = nil,
                    customConfig: [String: AudioHookJSON]? = nil) {
            self.organizationId = organizationId
            self.conversationId = conversationId
            self.participant = participant
            self.media = media
            self.language = language
            self.supportedLanguages = supportedLanguages
            self.continuedSessions = continuedSessions
            self.customConfig = customConfig
        }

        /// The probe session: a connection test without a conversation.
        public var isProbe: Bool { conversationId == AudioHookMessage.nullUUID }
    }

    /// `opened` (server): the one media entry chosen (or none), and whether to start paused.
    public struct Opened: Sendable, Hashable, Codable {
        public var media: [AudioMedia]
        public var discardTo: AudioHookDuration?
        public var startPaused: Bool?
        public var supportedLanguages: [String]?

        public init(media: [AudioMedia], discardTo: AudioHookDuration? = nil, startPaused: Bool? = false,
                    supportedLanguages: [String]? = nil) {
            self.media = media
            self.discardTo = discardTo
            self.startPaused = startPaused
            self.supportedLanguages = supportedLanguages
        }
    }

    /// `ping` (client), with the last measured round trip.
    public struct Ping: Sendable, Hashable, Codable {
        public var rtt: AudioHookDuration?
        public init(rtt: AudioHookDuration? = nil) { self.rtt = rtt }
    }

    /// `resumed` and `discarded` (client): audio from `start` for `discarded` was not sent.
    public struct Gap: Sendable, Hashable, Codable {
        public var start: AudioHookDuration
        public var discarded: AudioHookDuration
        public init(start: AudioHookDuration, discarded: AudioHookDuration) {
            self.start = start
            self.discarded = discarded
        }
    }

    /// `update` (client): the conversation's language changed.
    public struct Update: Sendable, Hashable, Codable {
        public var language: String
        public init(language: String) { self.language = language }
    }

    /// `close` (client): `end`, `error`, `disconnect` or `reconnect` (kept as written).
    public struct Close: Sendable, Hashable, Codable {
        public var reason: String
        public init(reason: String) { self.reason = reason }
    }

    /// `disconnect` (server).
    public struct Disconnect: Sendable, Hashable, Codable {
        public var reason: AudioHookDisconnectReason
        public var info: String?
        public init(reason: AudioHookDisconnectReason, info: String? = nil) {
            self.reason = reason
            self.info = info
        }
    }

    /// `error` (client): 400, 405, 408, 409, 413, 415, 429, 500 or 503, with a message.
    public struct ClientError: Sendable, Hashable, Codable {
        public var code: Int
        public var message: String
        public var retryAfter: AudioHookDuration?
        public init(code: Int, message: String, retryAfter: AudioHookDuration? = nil) {
            self.code = code
            self.message = message
            self.retryAfter = retryAfter
        }
    }

    /// One entity of an `event` (server): `transcript`, `agentassist`, … with free-form data.
    public struct EventEntity: Sendable, Hashable, Codable {
        public var type: String
        public var data: AudioHookJSON
        public init(type: String, data: AudioHookJSON) {
            self.type = type
            self.data = data
        }
    }

    /// `event` (server).
    public struct Event: Sendable, Hashable, Codable {
        public var entities: [EventEntity]
        public init(entities: [EventEntity]) { self.entities = entities }
    }

    /// `reconnect` (server).
    public struct Reconnect: Sendable, Hashable, Codable {
        public var info: String?
        public init(info: String? = nil) { self.info = info }
    }
}

/// Why the server ends a session (`disconnect.parameters.reason`).
public enum AudioHookDisconnectReason: String, Sendable, Hashable, Codable {
    case completed
    case unauthorized
    case error
}
