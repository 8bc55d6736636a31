/// The media a contact of a journey uses. The order of the cases is the order of the dashboard's lanes.
public enum JourneyMedia: String, Sendable, Hashable, CaseIterable, Comparable, Codable {
    case voice
    case chat
    case message
    case email
    case callback

    /// Reads the platform's many spellings: detail events' upper-case `mediaType` (`VOICE`, `CHAT`, …), the
    /// conversation topics' media suffixes (`calls`, `chats`, `messages`, `emails`, `callbacks`), the
    /// conversation's participant media (`call`, `webchat`) and the seed stream's `channelType`. Nil for media
    /// a journey does not follow (cobrowse, screenshare, video).
    public init?(platform raw: String) {
        switch raw.lowercased() {
        case "voice", "call", "calls", "phone", "telephony": self = .voice
        case "chat", "chats", "webchat": self = .chat
        case "message", "messages", "messaging", "sms", "webmessaging": self = .message
        case "email", "emails", "mail": self = .email
        case "callback", "callbacks": self = .callback
        default: return nil
        }
    }

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: JourneyMedia, b: JourneyMedia) -> Bool { a.rank < b.rank }
}
