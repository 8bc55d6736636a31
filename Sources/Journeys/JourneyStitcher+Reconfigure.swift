import SwitchboardCore

extension JourneyStitcher {
    /// Applies new rules to a running stitcher (a configuration reload), keeping every journey: open journeys
    /// are settled again under the new timeouts (one may close at once), the caps of closed journeys apply from
    /// now on, and the identity rules apply to the events that come next (keys already made stay). Events held in
    /// the reorder window keep their release time. The memory of what was seen keeps its size.
    public mutating func reconfigure(_ c: Configuration, now: EpochMillis) -> [Action] {
        precondition(c.sessionTimeout > 0 && c.idleGrace >= 0 && c.reorderWindow >= 0 && c.maxBufferedEvents > 0)
        configuration = c
        for id in open.keys.sorted(by: { $0.description < $1.description }) { evaluate(id, now: now) }
        return advance(now: now)
    }
}
