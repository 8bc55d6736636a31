import Journeys
import SwitchboardCore

/// One participant of a generated journey conversation.
struct SimJourneyParticipant {
    enum Kind { case customer, acd, agent }
    let id: String
    let kind: Kind
    var queue: Int?
    var agent: Int?
    let communicationID: String
    var connected: EpochMillis?
    var end: EpochMillis?
    /// The communication's state: `connected`, `disconnected`, `terminated` (after wrap-up, where the
    /// medium has that state).
    var state: String
    var disconnectType: String?
    var acwStart: EpochMillis?
    var acwEnd: EpochMillis?
    var wrapupCode: String?
    /// This leg will never wrap up (missing disposition).
    var wrapupMissing = false
}

/// One generated contact of a customer: a conversation on one medium, with its customer, ACD and agent
/// participants. Lives in the workload while it can still change.
struct SimJourneyConversation {
    let serial: Int
    let id: String
    let customer: Int
    let media: JourneyMedia
    let start: EpochMillis
    /// The customer's address as this contact shows it (varied writing), and the external contact id.
    let address: String
    let externalContactID: String?
    /// Messages: `sms` or `webmessaging`.
    let messageType: String?
    /// Emails: the subject.
    let subject: String?
    /// Callbacks: when the customer asked to be called.
    var callbackScheduledAt: EpochMillis?
    /// The queue it waits in or was last routed through.
    var queue: Int
    var participants: [SimJourneyParticipant]
    var recentTransfers = 0
    /// Agent legs in after-call work whose wrap-up is still to come.
    var pendingWrapups = 0
    var customerEnded = false
    /// Its messages are held back behind the org's next voice message (`journey-reorder`).
    var lagged = false

    /// The customer participant's index (always 0).
    var customerIndex: Int { 0 }

    /// The waiting ACD participant, if any.
    var waitingACD: Int? { participants.lastIndex { $0.kind == .acd && $0.end == nil } }

    /// The connected agent participant, if any.
    var connectedAgent: Int? { participants.lastIndex { $0.kind == .agent && $0.end == nil } }

    /// Every queue an ACD participant of it was in, first visit first.
    var queuesVisited: [Int] {
        var out: [Int] = []
        for p in participants where p.kind == .acd { if let q = p.queue, !out.contains(q) { out.append(q) } }
        return out
    }

    /// The participant media field of the snapshot (`calls`, `chats`, …) and the topic variant suffix.
    static func mediaField(_ m: JourneyMedia) -> String {
        switch m {
        case .voice: "calls"
        case .chat: "chats"
        case .message: "messages"
        case .email: "emails"
        case .callback: "callbacks"
        }
    }

    /// The detail events' `mediaType`.
    static func detailMediaType(_ m: JourneyMedia) -> String {
        switch m {
        case .voice: "VOICE"
        case .chat: "CHAT"
        case .message: "MESSAGE"
        case .email: "EMAIL"
        case .callback: "CALLBACK"
        }
    }

    /// The communication's `provider`.
    static func provider(_ m: JourneyMedia) -> String {
        switch m {
        case .voice: "Edge"
        case .chat: "PureCloud Webchat v2"
        case .message: "PureCloud Messaging"
        case .email: "PureCloud Email"
        case .callback: "PureCloud"
        }
    }

    /// The state a communication of this medium shows after wrap-up (emails and messages have no `terminated`).
    static func finalState(_ m: JourneyMedia) -> String {
        m == .email || m == .message ? "disconnected" : "terminated"
    }
}

/// The generator's scheduled steps (on the model's event heap).
enum SimJourneyAction {
    /// A new customer makes a first contact.
    case newCustomer
    /// A customer's contact begins on a medium (a first contact, a return, or the target of a media transfer);
    /// `queue` -1 picks one.
    case begin(customer: Int, media: JourneyMedia, queue: Int)
    /// An agent takes the waiting contact.
    case answer(conversation: Int)
    /// The agent transfers the contact to another queue.
    case queueTransfer(conversation: Int)
    /// The contact ends (the customer and the agent leave); with `transferTo`, the agent moves the customer to
    /// another medium (a new contact of the same journey begins).
    case end(conversation: Int, transferTo: JourneyMedia?)
    /// The customer leaves the queue before an agent answers.
    case abandon(conversation: Int)
    /// An agent leg's after-call work ends with a wrap-up code.
    case wrapup(conversation: Int, participant: Int)
}
