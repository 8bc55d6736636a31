import SwitchboardCore

/// Subscriptions on the open connection: requests, the server's in-order answers, live changes.
extension SeedConnectionStateMachine {
    /// The subscriptions this connection should hold changed (a re-plan or a configuration reload). On an open
    /// connection the new ones are subscribed first and the old ones unsubscribed once the new are active, so
    /// audio of calls already streaming is not dropped; nothing reconnects.
    public mutating func setSubscriptions(_ subscriptions: [SeedSubscription], now: Instant) -> [Action] {
        desired = subscriptions
        refused = []
        return phase == .open ? reconcile() : []
    }

    /// A text message arrived on the open connection.
    public mutating func received(_ message: SeedMessage, now: Instant) -> [Action] {
        guard phase == .open else { return [] }
        activity(now: now)
        switch message {
        case .subscribed(let id, _):
            guard let i = outstanding.firstIndex(where: { if case .subscribe = $0 { true } else { false } }),
                  case .subscribe(let subscription) = outstanding.remove(at: i) else {
                // Not asked for: do not keep a stream nobody planned.
                return [.unsubscribe(subscriptionId: id)]
            }
            if active.contains(where: { $0.id == id }) { return reconcile() }
            active.append((id, subscription))
            return reconcile()
        case .unsubscribed(let id):
            let i = id.map { id in outstanding.firstIndex(of: .unsubscribe(id)) }
                ?? outstanding.firstIndex(where: { if case .unsubscribe = $0 { true } else { false } })
            guard let i, case .unsubscribe(let done) = outstanding.remove(at: i) else { return [] }
            active.removeAll { $0.id == done }
            unsubscribing.remove(done)
            return reconcile()
        case .error(let error):
            return serverError(error, now: now)
        case .interaction, .interactionEnded, .subscribe, .unsubscribe:
            return []
        }
    }

    private mutating func serverError(_ error: SeedServerError, now: Instant) -> [Action] {
        guard !outstanding.isEmpty else {
            // Not an answer to a request: a problem of the connection.
            return failed(error.isConfigurationProblem ? .configuration(error, subscription: nil) : .serverError(error),
                          now: now, close: true)
        }
        switch outstanding.removeFirst() {
        case .unsubscribe(let id):
            // Refused (unknown id, say): the server does not hold it either way.
            active.removeAll { $0.id == id }
            unsubscribing.remove(id)
            return reconcile()
        case .subscribe(let subscription):
            if error.isConfigurationProblem {
                return failed(.configuration(error, subscription: subscription), now: now, close: true)
            }
            guard error.code == SeedServerError.subscriptionLimit else {
                return failed(.serverError(error), now: now, close: true)
            }
            // Answers come in order: the server held exactly the active subscriptions when it refused this one.
            let allowed = active.count
            guard allowed > 0 else { return failed(.noSubscriptionAllowed(), now: now, close: true) }
            refused.insert(subscription)
            var actions: [Action] = []
            if allowed < limit {
                limit = allowed
                actions.append(.replan(maxSubscriptionsPerConnection: allowed))
            }
            return actions + reconcile()
        }
    }

    /// Requests that bring the connection towards ``desired``: new subscriptions while there is room; the old
    /// ones once every new one is active (or one old one first when the connection is full and nothing is
    /// pending, the only way to make room).
    mutating func reconcile() -> [Action] {
        var actions: [Action] = []
        let pending = outstanding.compactMap { if case .subscribe(let s) = $0 { s } else { nil } }
        let held = Set(active.map(\.subscription)).union(pending)
        var toAdd = desired.filter { !held.contains($0) && !refused.contains($0) }
        var seen = Set<SeedSubscription>()
        toAdd = toAdd.filter { seen.insert($0).inserted }
        while !toAdd.isEmpty && occupancy < limit {
            let s = toAdd.removeFirst()
            outstanding.append(.subscribe(s))
            actions.append(.subscribe(s))
        }
        let wanted = Set(desired)
        var keep = Set<SeedSubscription>()
        var stale: [String] = []
        for a in active where !unsubscribing.contains(a.id) {
            // A second active copy of a wanted subscription is stale too.
            if wanted.contains(a.subscription) && keep.insert(a.subscription).inserted { continue }
            stale.append(a.id)
        }
        let subscribing = outstanding.contains { if case .subscribe = $0 { true } else { false } }
        if toAdd.isEmpty && !subscribing {
            for id in stale { actions.append(unsubscribe(id)) }
        } else if !toAdd.isEmpty && !subscribing && unsubscribing.isEmpty, let id = stale.first {
            // Full: break before make for one subscription, then the next new one goes in its place.
            actions.append(unsubscribe(id))
        }
        return actions
    }

    private mutating func unsubscribe(_ id: String) -> Action {
        unsubscribing.insert(id)
        outstanding.append(.unsubscribe(id))
        return .unsubscribe(subscriptionId: id)
    }
}

extension SeedConnectionStateMachine {
    /// Lowers ``limit`` to what the server was found to allow on another connection of the same org.
    public mutating func lower(limit newLimit: Int) {
        if newLimit > 0 && newLimit < limit { limit = newLimit }
    }
}
