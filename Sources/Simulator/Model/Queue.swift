import SwitchboardCore

/// One routing queue: members, waiting calls and live counts.
struct Queue {
    let id: String
    var name: String
    var members: [Int] = []
    /// Waiting conversations, oldest first.
    var waiting: [Int] = []
    var alerting = 0
    var interacting = 0
    /// Members per routing status (index = `RoutingStatus` case order) and On Queue members.
    var routingCounts: [Int] = Array(repeating: 0, count: RoutingStatus.allCases.count)
    var onQueueMembers = 0
    /// Relative share of the org's calls.
    var weight: Double = 1
    var dirtyConversations = true
    var dirtyUsers = true
    let observationsTopic: String
    let conversationsTopic: String
}

