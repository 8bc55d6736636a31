/// Holds a session's live events while the REST re-sync that follows a (re)connect runs, and gives them back in
/// event-time order once the baseline is in (``ChannelStateMachine/SessionStep``).
///
/// Applying the held events on top of the baseline is safe in any order as far as the figures go: the views place
/// every change at its event time (`AgentTimeline.apply`), so an event older than the baseline's read time is put
/// before it and does not regress the agent, and a duplicate is a no-op. Holding adds two things: nothing is shown
/// from a half-read baseline (an agent's first emission after the gap already has today's totals and its history),
/// and the held events are applied oldest first, as they happened. Nothing is dropped: when `capacity` is reached
/// the surplus is delivered at once (the views still order it).
///
/// Releasing ends: events keep arriving while a batch is applied, and under a steady stream every round would
/// find a few more (a debug build under load never reached an empty round, so the org never left the re-sync).
/// A round that finds at most `openBelow` events, or the `maxRounds`-th, opens the gate as it hands them over: what
/// arrives after that passes straight through, at most that many events ahead of older held ones (harmless, the
/// views place each at its event time).
///
/// Pure value type; the owner keeps it under a lock shared by the socket readers.
public struct ResyncGate<Event: Sendable>: Sendable {
    /// Most events held; beyond that they are delivered at once.
    public let capacity: Int
    /// A release of at most this many events opens the gate.
    public let openBelow: Int
    /// The release that opens the gate whatever it finds.
    public let maxRounds: Int
    public private(set) var holding = false
    private var held: [Event] = []
    /// Releases in this hold so far.
    private var rounds = 0
    /// Events delivered at once because the gate was full, in this hold.
    public private(set) var overflowed = 0
    /// Events held in this hold so far (for the log).
    public private(set) var heldTotal = 0

    public init(capacity: Int = 200_000, openBelow: Int = 64, maxRounds: Int = 8) {
        self.capacity = max(0, capacity)
        self.openBelow = max(0, openBelow)
        self.maxRounds = max(1, maxRounds)
    }

    /// ``ChannelStateMachine/SessionStep/holdEvents``: hold from now on.
    public mutating func hold() {
        holding = true
        overflowed = 0
        heldTotal = 0
        rounds = 0
    }

    /// Events arrived from a socket: true when they are held (the caller must not deliver them).
    public mutating func offer(_ events: [Event]) -> Bool {
        guard holding, !events.isEmpty else { return false }
        guard held.count + events.count <= capacity else {
            overflowed += events.count
            return false
        }
        held += events
        heldTotal += events.count
        return true
    }

    /// ``ChannelStateMachine/SessionStep/applyHeldOnBaseline``: the events held so far, in arrival order, for the
    /// caller to put in event-time order (``ordered(_:time:)``, outside the lock) and apply. While the gate is still
    /// ``holding`` after the call it holds what arrives meanwhile: apply, then call again. Once it is not, events
    /// pass straight through; it opens on a release of at most ``openBelow`` events or the ``maxRounds``-th.
    public mutating func release() -> [Event] {
        guard holding else { return [] }
        rounds += 1
        if held.count <= openBelow || rounds >= maxRounds { holding = false }
        defer { held = [] }
        return held
    }

    /// `events` oldest event time first, arrival order among equal times.
    public static func ordered(_ events: [Event], time: (Event) -> Int64) -> [Event] {
        events.enumerated().sorted { a, b in
            let ta = time(a.element), tb = time(b.element)
            return ta != tb ? ta < tb : a.offset < b.offset
        }.map(\.element)
    }

    /// The session ended while holding: forget (the next session re-syncs again).
    public mutating func reset() {
        holding = false
        held = []
    }
}
