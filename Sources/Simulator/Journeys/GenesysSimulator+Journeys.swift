import SwitchboardCore

/// Customer journeys: the EventBridge target and the journeys truth (docs/simulator.md, "Customer journeys").
extension GenesysSimulator {
    /// Points the EventBridge push at a bridge (`<url>/<org>`, each org with its `x-api-key`), or stops it (nil).
    /// Orgs without journeys or without a key are not pushed. Events of the detail topics are collected from
    /// now on; those already waiting (a target that was down) go to the new target.
    public func setEventBridgeTarget(_ target: SimEventBridgeOptions?) {
        eventBridge.setTarget(target)
        for rt in orgs {
            rt.with { $0.model.journeys?.eventBridgeOn = target?.apiKeys[rt.id] != nil }
        }
    }

    /// The journeys truth of `org` now (the truth's `journeys`); nil for an unknown org or one without journeys.
    public func journeyTruth(org: String) async -> SimJourneyTruth? {
        guard let rt = orgByID[org] else { return nil }
        let now = clock.now()
        var truth = rt.with { s -> SimJourneyTruth? in
            s.model.advance(to: now)
            return s.model.journeyTruth()
        }
        truth?.eventBridge = eventBridge.stats(org: org)
        return truth
    }

    /// The EventBridge push counts of `org` (nil when it has no key).
    public func eventBridgeStats(org: String) -> SimJourneyTruth.EventBridge? { eventBridge.stats(org: org) }
}
