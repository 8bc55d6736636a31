/// Faults of the seed's journey event stream (`POST /_sim/faults` with these kinds, or
/// `sim.inject(.eventStream(.drop), org:)`; not drawn by random faults). docs/simulator.md.
public enum SimEventStreamFault: String, Sendable, Hashable, CaseIterable {
    /// Every callback WebSocket of the org is closed abruptly (no close frame); its subscriptions are orphaned.
    case drop = "eventstream-drop"
    /// Every active subscription of the org is silently unbound from its connection: no more events, `GET` shows
    /// `"state":"orphaned"` and `"connectionId":null`, the socket stays open (heartbeats go on).
    case orphan = "eventstream-orphan"
}
