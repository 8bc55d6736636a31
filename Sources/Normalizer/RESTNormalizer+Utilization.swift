import SwitchboardCore

/// Which dimension an aggregates response was grouped by.
public enum AggregateGrouping: Sendable {
    /// `groupBy: ["userId"]`
    case user
    /// `groupBy: ["queueId"]`
    case queue
}

extension RESTNormalizer {
    /// Reads a `POST analytics/conversations/aggregates/query` response (granularity PT30M, groupBy
    /// userId): per user platform id, the intervals starting in [from, to), merged over media types,
    /// sorted by start. `tHandle.count` is the AHT denominator. A body that cannot be read is a
    /// failure (so a poller keeps what it had rather than taking it for "nothing handled").
    /// With `by: .queue` the keys are queue platform ids (`groupBy: ["queueId"]`).
    public static func conversationsAggregates(_ body: [UInt8], from: EpochMillis, to: EpochMillis,
                                               by grouping: AggregateGrouping = .user)
        -> Result<[String: [UtilizationInterval]], SwitchboardError>
    {
        let response: GenesysWire.AggregateQueryResponse
        switch decode(GenesysWire.AggregateQueryResponse.self, body, what: "conversations aggregates") {
        case .success(let r): response = r
        case .failure(let e): return .failure(e)
        }
        var perUser: [String: [EpochMillis: UtilizationInterval]] = [:]
        for result in response.results ?? [] {
            let key = grouping == .user ? result.group?.userId : result.group?.queueId
            guard let user = key, !user.isEmpty else { continue }
            for datum in result.data ?? [] {
                guard let interval = datum.interval, let slash = interval.firstIndex(of: "/"),
                    let start = Timestamp.parse(String(interval[..<slash])), start >= from, start < to
                else { continue }
                var i = perUser[user]?[start] ?? UtilizationInterval(start: start)
                for m in datum.metrics ?? [] {
                    guard let stats = m.stats else { continue }
                    let sum = WireNumber.millis(stats.sum)
                    let count = WireNumber.count(stats.count)
                    switch m.metric {
                    case "tHandle":
                        i.handleMs += sum
                        i.handleCount += count
                    case "tTalk": i.talkMs += sum
                    case "tHeld": i.heldMs += sum
                    case "tAcw": i.acwMs += sum
                    case "nConnected": i.connected += count
                    default: continue
                    }
                }
                perUser[user, default: [:]][start] = i
            }
        }
        return .success(perUser.mapValues { $0.values.sorted { $0.start < $1.start } })
    }
}

extension RESTNormalizer {
    private struct DetailsPage: Decodable {
        struct Metric: Decodable {
            var name: String?
            var value: Double?
        }
        struct Session: Decodable { var metrics: [Metric]? }
        struct Participant: Decodable {
            var purpose: String?
            var userId: String?
            var sessions: [Session]?
        }
        struct Conversation: Decodable {
            var conversationId: String?
            var conversationStart: String?
            var conversationEnd: String?
            var participants: [Participant]?
        }
        var conversations: [Conversation]?
    }

    /// Reads details-query pages into one ``UtilizationDetail`` per conversation, summing the metrics
    /// of `userID`'s agent sessions. Unreadable pages are a failure.
    public static func conversationDetails(_ pages: [[UInt8]], userID: String) -> Result<[UtilizationDetail], SwitchboardError> {
        var out: [UtilizationDetail] = []
        for body in pages {
            let page: DetailsPage
            switch decode(DetailsPage.self, body, what: "conversation details") {
            case .success(let p): page = p
            case .failure(let e): return .failure(e)
            }
            for c in page.conversations ?? [] {
                guard let id = c.conversationId, let start = c.conversationStart.flatMap(Timestamp.parse) else { continue }
                var d = UtilizationDetail(conversationID: id, start: start, end: c.conversationEnd.flatMap(Timestamp.parse),
                                          handleMs: 0, talkMs: 0, heldMs: 0, acwMs: 0)
                for p in c.participants ?? [] where p.purpose == "agent" && p.userId == userID {
                    for s in p.sessions ?? [] {
                        for m in s.metrics ?? [] {
                            let v = WireNumber.millis(m.value)
                            switch m.name {
                            case "tHandle": d.handleMs += v
                            case "tTalk": d.talkMs += v
                            case "tHeld": d.heldMs += v
                            case "tAcw": d.acwMs += v
                            default: continue
                            }
                        }
                    }
                }
                out.append(d)
            }
        }
        return .success(out)
    }
}
