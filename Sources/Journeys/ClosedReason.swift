/// Why a journey closed.
public enum ClosedReason: String, Sendable, Hashable, CaseIterable {
    /// Every contact ended and was dispositioned (when an agent took it), and no new contact came within the
    /// session timeout.
    case completed
    /// Every contact ended, but a disposition never came for one an agent took; closed by the timeout.
    case timeout
    /// A contact never ended: its channel went idle and was closed by the timeout.
    case abandonedAtTimeout
}
