/// Faults of the journeys' delivery and data (`POST /_sim/faults` with these kinds and an optional `count`, or
/// `sim.inject(.journey(.reorder, count: 2), org:)`; not drawn by random faults). docs/simulator.md.
public enum SimJourneyFault: String, Sendable, Hashable, CaseIterable {
    /// The org's next `count` contacts on a medium other than voice have their messages (snapshots and detail
    /// events, socket and EventBridge) held back until a later voice message of the org has gone out and
    /// `reorderDelay` has passed (`reorderMaxHold` at most): out of order between media, beyond a 100 ms window.
    case reorder = "journey-reorder"
    /// The org's next `count` journey messages on the sockets are sent twice (the same envelope), and its next
    /// `count` EventBridge events are pushed twice (the same event `id`).
    case duplicate = "journey-duplicate"
    /// The org's next `count` agent legs of generated contacts never wrap up: no `wrapup` in the snapshots, no
    /// `acw` or `wrapup` detail event. The truth knows (a contact taken and never dispositioned).
    case missingDisposition = "journey-missing-disposition"
    /// Every open socket of the org is closed abruptly; the next socket attached to each of those channels first
    /// gets the org's last `replayMessages` journey messages it subscribes to again (what it missed in between
    /// included), and EventBridge pushes its last `replayMessages` events again (the same ids).
    case replay = "journey-replay"
}
