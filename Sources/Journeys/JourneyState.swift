/// A journey's state (the seed's journey states).
public enum JourneyState: String, Sendable, Hashable, CaseIterable {
    /// Opened, nothing has happened yet beyond the interaction's creation.
    case initiated = "INITIATED"
    /// A contact is in progress, or the journey waits (within the session timeout) for the customer's next
    /// contact.
    case active = "ACTIVE"
    /// A transfer was initiated (between queues, agents or media) and no queue, agent or new contact has
    /// taken the customer yet.
    case transferring = "TRANSFERRING"
    /// Done; a closed journey never reopens.
    case closed = "CLOSED"
}
