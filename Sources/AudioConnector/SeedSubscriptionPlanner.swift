import SwitchboardConfig

/// Plans an org's seed Audio Connector subscriptions: which `subscribe` messages carry its filters, and how
/// they are spread over connections so that no connection holds more than the server allows
/// (`maxSubscriptionsPerConnection`). Pure; the same input always gives the same plan, so a re-plan after a
/// reload or a lowered limit moves as few subscriptions as possible.
public struct SeedSubscriptionPlanner: Sendable, Equatable {
    /// Queue ids per subscription: a long queue list is split into subscriptions of at most this many ids.
    public var queueIdsPerSubscription: Int

    public init(queueIdsPerSubscription: Int = 100) {
        precondition(queueIdsPerSubscription > 0)
        self.queueIdsPerSubscription = queueIdsPerSubscription
    }

    /// The subscriptions that carry `config`'s filters. Queue ids come from `config.queueIds`, else from the
    /// org's watched queues (`watchedQueues`, nil when the org watches all of them: then one subscription
    /// without a queue filter). Ids are sorted and cut into chunks of ``queueIdsPerSubscription``; every
    /// subscription carries all the configured directions, the interaction types and the sample rate.
    public func subscriptions(for config: SeedAudioConfig, watchedQueues: [String]?) -> [SeedSubscription] {
        let make = { (queues: [String]?) in
            SeedSubscription(interactionTypes: config.interactionTypes, queueIds: queues, directions: config.directions,
                             format: "opus", sampleRate: config.sampleRate)
        }
        guard let queues = config.queueIds ?? watchedQueues else { return [make(nil)] }
        let sorted = Array(Set(queues)).sorted()
        guard !sorted.isEmpty else { return [] }
        return stride(from: 0, to: sorted.count, by: queueIdsPerSubscription).map {
            make(Array(sorted[$0..<min($0 + queueIdsPerSubscription, sorted.count)]))
        }
    }

    /// Spreads subscriptions over connections in order, at most `limit` each: connection `k` gets subscriptions
    /// `k·limit ..< (k+1)·limit`. Always at least one connection (possibly with nothing to subscribe).
    public static func connections(for subscriptions: [SeedSubscription], limit: Int) -> [[SeedSubscription]] {
        precondition(limit > 0)
        guard !subscriptions.isEmpty else { return [[]] }
        return stride(from: 0, to: subscriptions.count, by: limit).map {
            Array(subscriptions[$0..<min($0 + limit, subscriptions.count)])
        }
    }
}
