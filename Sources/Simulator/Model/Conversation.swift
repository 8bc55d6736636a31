import SwitchboardCore

/// One participant of a simulated conversation.
struct Participant {
    enum Kind { case customer, acd, agent }
    let id: String
    let kind: Kind
    var queue: Int?
    var agent: Int?
    var communicationID: String
    var start: EpochMillis
    var connected: EpochMillis?
    var end: EpochMillis?
    var state: String  // call state: alerting, connected, disconnected, terminated
    var held = false
    /// When the current hold began, and the hold time completed so far (utilization `tHeld`).
    var heldSince: EpochMillis? = nil
    var heldMs: Int64 = 0
    /// When the first hold began (the model holds a call at most once): the details' `hold` segment.
    var firstHeldAt: EpochMillis? = nil
    var disconnectType: String? = nil
    var wrapupExpected = false
    var acwStart: EpochMillis? = nil
    var acwEnd: EpochMillis? = nil
    var wrapupCode: String? = nil
    var attributes: [(String, String)] = []
}

struct Conversation {
    let id: String
    let start: EpochMillis
    var queue: Int
    var participants: [Participant]
    /// When the current wait in the queue began (for longest-wait figures).
    var waitingSince: EpochMillis?
    var customerAddress: String
    var recentTransfers = 0
    var finished = false
    /// Bumped whenever the waiting state changes; abandon actions carry it.
    var epoch: UInt32 = 0
}

