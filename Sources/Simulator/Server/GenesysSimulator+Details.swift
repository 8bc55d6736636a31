import Foundation
import Hummingbird
import SwitchboardCore

/// `POST /api/v2/analytics/conversations/details/query`: the drill-down into one agent's interval.
extension GenesysSimulator {
    struct DetailsQuery: Decodable, Sendable {
        struct SegmentFilter: Decodable, Sendable {
            let type: String?
            let predicates: [QueryFilter.Predicate]?
            let clauses: [QueryFilter]?
        }
        struct Paging: Decodable, Sendable {
            let pageSize: Int?
            let pageNumber: Int?
        }
        let interval: String
        let segmentFilters: [SegmentFilter]?
        let paging: Paging?
    }

    func addDetailsRoutes(_ router: Router<SimRequestContext>) {
        router.post("/api/v2/analytics/conversations/details/query") { [self] request, _ in
            let decoded = await Self.decode(DetailsQuery.self, request)
            let cap = options.detailsResultCap
            return await api(request) { [self] caller in
                let query: DetailsQuery
                switch decoded {
                case .success(let q): query = q
                case .failure(let e): return .failure(e)
                }
                guard let (from, to) = Self.parseInterval(query.interval) else {
                    return .failure(.badRequest("interval must be 'start/end' in ISO-8601, start before end."))
                }
                let size = query.paging?.pageSize ?? 25
                let number = query.paging?.pageNumber ?? 1
                guard (1...100).contains(size), number >= 1 else {
                    return .failure(.badRequest("paging.pageSize must be 1…100 and paging.pageNumber at least 1."))
                }
                let users = Set((query.segmentFilters ?? []).flatMap { f in
                    (f.predicates ?? []).compactMap { $0.dimension == "userId" ? $0.value : nil }
                })
                // Every simulated conversation is voice: a mediaType filter without voice matches nothing.
                let media = (query.segmentFilters ?? []).flatMap { f in
                    (f.predicates ?? []).compactMap { $0.dimension == "mediaType" ? $0.value : nil }
                        + (f.clauses ?? []).flatMap { $0.values("mediaType") }
                }
                let voice = media.isEmpty || media.contains("voice")
                let legs: [HandledLeg] = !voice ? [] : current(caller.org) { s in
                    let m = s.model
                    var out: [HandledLeg] = []
                    var i = m.firstHandled(atOrAfter: from)
                    while i < m.handled.count, m.handled[i].completed < to {
                        let leg = m.handled[i]
                        if users.isEmpty || users.contains(m.agents[leg.agent].id) { out.append(leg) }
                        i += 1
                    }
                    return out
                }
                let hits = legs.count
                if hits > cap && number * size > cap {
                    return .failure(.badRequest("Pagination may not exceed \(cap) results."))
                }
                let page = legs.dropFirst((number - 1) * size).prefix(size)
                let (agentIDs, queueIDs): ([String], [String]) = current(caller.org) { s in
                    (page.map { s.model.agents[$0.agent].id }, s.model.queues.map(\.id))
                }
                var w = JSONWriter(capacity: 1024 + page.count * 400)
                w.object { w in
                    w.array("conversations") { w in
                        for (leg, agentID) in zip(page, agentIDs) {
                            w.object { w in
                                w.field("conversationId", plain: leg.conversationID)
                                w.field("conversationStart", time: leg.connected)
                                w.field("conversationEnd", time: leg.completed)
                                w.array("participants") { w in
                                    w.object { w in
                                        w.field("purpose", plain: "agent")
                                        w.field("userId", plain: agentID)
                                        w.array("sessions") { w in
                                            w.object { w in
                                                w.field("mediaType", plain: "voice")
                                                w.array("metrics") { w in
                                                    for (name, value) in [("tHandle", leg.handleMs), ("tTalk", leg.talkMs),
                                                                          ("tHeld", leg.heldMs), ("tAcw", leg.acwMs)]
                                                    where value > 0 || name == "tHandle" {
                                                        w.object { w in
                                                            w.field("name", plain: name)
                                                            w.field("value", value)
                                                            w.field("emitDate", time: leg.completed)
                                                        }
                                                    }
                                                }
                                                Self.writeSegments(&w, leg, queueID: queueIDs[leg.queue])
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    w.field("totalHits", Int64(hits))
                }
                return .success((.ok, w.bytes))
            }
        }
    }

    /// The agent session's `segments` (py-model `AnalyticsConversationSegment`): `interact` from answer to
    /// disconnect, split by the `hold` when there was one, then `wrapup` with the wrap-up code.
    static func writeSegments(_ w: inout JSONWriter, _ leg: HandledLeg, queueID: String) {
        var pieces: [(start: EpochMillis, end: EpochMillis, type: String)] = []
        if let h = leg.holdStart, leg.heldMs > 0 {
            pieces = [(leg.connected, h, "interact"), (h, h + leg.heldMs, "hold"), (h + leg.heldMs, leg.disconnected, "interact")]
        } else {
            pieces = [(leg.connected, leg.disconnected, "interact")]
        }
        pieces = pieces.filter { $0.end > $0.start }
        w.array("segments") { w in
            for (i, piece) in pieces.enumerated() {
                w.object { w in
                    w.field("segmentStart", time: piece.start)
                    w.field("segmentEnd", time: piece.end)
                    w.field("segmentType", plain: piece.type)
                    w.field("queueId", plain: queueID)
                    if i == pieces.count - 1, let d = leg.disconnectType { w.field("disconnectType", plain: d) }
                }
            }
            if leg.completed > leg.disconnected {
                w.object { w in
                    w.field("segmentStart", time: leg.disconnected)
                    w.field("segmentEnd", time: leg.completed)
                    w.field("segmentType", plain: "wrapup")
                    w.field("queueId", plain: queueID)
                    if let code = leg.wrapupCode { w.field("wrapUpCode", code) }
                }
            }
        }
    }
}
