import SwitchboardCore

extension RESTNormalizer {
    /// The `mediaSettings` keys by analytics media type, in the order a queue's shown target is chosen.
    static let mediaSettingsKeys: [(media: String, key: String)] = [
        ("voice", "call"), ("callback", "callback"), ("chat", "chat"), ("message", "message"), ("email", "email"),
    ]

    /// A queue's service level: `mediaSettings.call.serviceLevel` (voice), else the first of callback, chat,
    /// message, email that has one; with `mediaTypes` (the org's `utilizationMediaTypes`) only those media
    /// are looked at. A target needs `percentage` in (0, 1] and a positive `durationMs`; nil otherwise.
    static func serviceLevel(_ q: GenesysWire.QueueEntity, mediaTypes: [String]?) -> ServiceLevelTarget? {
        guard let settings = q.mediaSettings?.value else { return nil }
        for (media, key) in mediaSettingsKeys where mediaTypes?.contains(media) ?? true {
            guard let sl = settings[key]?.value?.serviceLevel, let p = sl.percentage, let d = sl.durationMs,
                  p > 0, p <= 1, d > 0, d < 86_400_000 * 30
            else { continue }
            return ServiceLevelTarget(percentage: p, durationMs: Int64(d.rounded()))
        }
        return nil
    }

    /// One bucket of a service aggregates response.
    public struct QueueServiceBucket: Sendable, Equatable {
        public var start: EpochMillis
        public var counts: QueueServiceCounts
    }

    /// Reads a `POST analytics/conversations/aggregates/query` response grouped by `queueId` with the service
    /// metrics (`nOffered`, `tAnswered`, `tAbandon`, `nOverSla`, `oServiceLevel`): per queue platform id, the
    /// buckets starting in [from, to), merged over media types, sorted by start.
    ///
    /// The service level's numerator and denominator are `oServiceLevel`'s; for a group without it (no
    /// target configured for that media type) they are derived the way the platform's default options
    /// count: within target = answered − `nOverSla`, judged = answered + abandoned, when `nOverSla` is
    /// present, else the group adds nothing to either. A body that cannot be read is a failure.
    public static func queueServiceAggregates(_ body: [UInt8], from: EpochMillis, to: EpochMillis)
        -> Result<[String: [QueueServiceBucket]], SwitchboardError>
    {
        let response: GenesysWire.AggregateQueryResponse
        switch decode(GenesysWire.AggregateQueryResponse.self, body, what: "queue service aggregates") {
        case .success(let r): response = r
        case .failure(let e): return .failure(e)
        }
        var perQueue: [String: [EpochMillis: QueueServiceCounts]] = [:]
        for result in response.results ?? [] {
            guard let queue = result.group?.queueId, !queue.isEmpty else { continue }
            for datum in result.data ?? [] {
                guard let interval = datum.interval, let slash = interval.firstIndex(of: "/"),
                      let start = Timestamp.parse(String(interval[..<slash])), start >= from, start < to
                else { continue }
                var c = QueueServiceCounts()
                var overSla: Int?
                var sl: (Int, Int)?
                for m in datum.metrics ?? [] {
                    guard let stats = m.stats else { continue }
                    let count = WireNumber.count(stats.count)
                    switch m.metric {
                    case "nOffered": c.offered += count
                    case "tAnswered":
                        c.answered += count
                        c.answerWaitMs += WireNumber.millis(stats.sum)
                    case "tAbandon": c.abandoned += count
                    case "nOverSla": overSla = (overSla ?? 0) + count
                    case "oServiceLevel":
                        let n = WireNumber.count(stats.numerator)
                        let d = WireNumber.count(stats.denominator)
                        sl = ((sl?.0 ?? 0) + n, (sl?.1 ?? 0) + d)
                    default: continue
                    }
                }
                if let sl {
                    c.withinTarget = sl.0
                    c.serviceLevelCalls = sl.1
                } else if let overSla {
                    c.withinTarget = max(0, c.answered - overSla)
                    c.serviceLevelCalls = c.answered + c.abandoned
                }
                perQueue[queue, default: [:]][start, default: QueueServiceCounts()] += c
            }
        }
        return .success(perQueue.mapValues { buckets in
            buckets.sorted { $0.key < $1.key }.map { QueueServiceBucket(start: $0.key, counts: $0.value) }
        })
    }
}
