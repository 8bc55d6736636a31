/// Counts malformed frames per kind and tells the caller when a kind is seen for the first time,
/// so a connector logs each kind once and exports the counts as metrics.
public struct MalformedCounter: Sendable, Equatable {
    /// Frames seen per `kind` label.
    public private(set) var counts: [String: Int] = [:]

    public init() {}

    /// Records one malformed frame of `kind`. Returns true the first time the kind is seen (log it then).
    @discardableResult
    public mutating func record(kind: String) -> Bool {
        let before = counts[kind, default: 0]
        counts[kind] = before + 1
        return before == 0
    }

    /// Records `frame` when it is `.malformed`; returns true for the first of its kind, false otherwise.
    @discardableResult
    public mutating func record(_ frame: NotificationFrame) -> Bool {
        guard case .malformed(let kind, _) = frame else { return false }
        return record(kind: kind)
    }

    /// All malformed frames counted.
    public var total: Int { counts.values.reduce(0, +) }
}
