import SwitchboardCore

/// The `eventBody` of every topic the model publishes, in the platform's shapes
/// (the platform's notification topic models), written once per message.
extension OrgModel {
    func publishActivity(_ a: Int, presence: Bool, routing: Bool) {
        let agent = agents[a]
        if wants(agent.activityTopic) { emit(agent.activityTopic, activityBody(a)) }
        if presence && wants(agent.presenceTopic) { emit(agent.presenceTopic, presenceBody(a)) }
        if routing && wants(agent.routingTopic) { emit(agent.routingTopic, routingBody(a)) }
    }

    func writePresenceDefinition(_ w: inout JSONWriter, _ p: Presence) {
        w.object("presenceDefinition") { w in
            w.field("id", plain: presenceIDs[Int(p.rawValue)])
            w.field("systemPresence", plain: p.platformSpelling)
        }
    }

    func writeRoutingStatus(_ w: inout JSONWriter, _ a: Int) {
        w.object("routingStatus") { w in
            w.field("status", plain: agents[a].routing.rawValue)
            w.field("startTime", time: agents[a].routingStart)
        }
    }

    /// `v2.users.{id}.activity` (AgentActivityChangedTopicAgentActivity).
    func activityBody(_ a: Int) -> [UInt8] {
        let agent = agents[a]
        var w = JSONWriter()
        w.object { w in
            w.field("id", plain: agent.id)
            writeRoutingStatus(&w, a)
            w.object("presence") { w in
                writePresenceDefinition(&w, agent.presence)
                w.field("presenceMessage", "")
                w.field("modifiedDate", time: agent.presenceModified)
            }
            w.object("outOfOffice") { w in
                w.field("active", false)
                w.field("modifiedDate", time: dayBegan)
            }
            w.array("activeQueueIds") { w in
                if agent.presence == .onQueue { for q in agent.queues { w.string(queues[q].id) } }
            }
            w.field("dateActiveQueuesChanged", time: agent.presenceModified)
        }
        return w.bytes
    }

    /// `v2.users.{id}.presence` (PresenceEventUserPresence).
    func presenceBody(_ a: Int) -> [UInt8] {
        let agent = agents[a]
        var w = JSONWriter()
        w.object { w in
            w.field("source", "PURECLOUD")
            writePresenceDefinition(&w, agent.presence)
            w.field("primary", true)
            w.field("message", "")
            w.field("modifiedDate", time: agent.presenceModified)
        }
        return w.bytes
    }

    /// `v2.users.{id}.routingStatus` (UserRoutingStatusUserRoutingStatus).
    func routingBody(_ a: Int) -> [UInt8] {
        var w = JSONWriter()
        w.object { w in
            w.field("id", plain: agents[a].id)
            writeRoutingStatus(&w, a)
        }
        return w.bytes
    }

    /// Publishes the full snapshot of conversation `c` on `v2.users.{id}.conversations` of every agent
    /// still in it (connected, alerting or in ACW), plus `extraAgents`, and on
    /// `v2.routing.queues.{id}.conversations` of the queue it is in.
    func publishConversation(_ c: Int, extraAgents: [Int] = []) {
        guard let conv = conversations[c] else { return }
        var targets: [Int] = []
        for p in conv.participants where p.kind == .agent {
            guard let a = p.agent else { continue }
            let inIt = p.end == nil || (p.acwStart != nil && p.acwEnd == nil)
            if inIt && !targets.contains(a) { targets.append(a) }
        }
        for a in extraAgents where !targets.contains(a) { targets.append(a) }
        let topics = targets.map { agents[$0].conversationsTopic }.filter { wants($0) }
        var queueTopics: [String] = []
        if wants(queues[conv.queue].conversationsTopic) { queueTopics.append(queues[conv.queue].conversationsTopic) }
        // With journeys, the calls are journey contacts: also on the `.calls` variant, tagged for delivery.
        if let j = journeys, wants(j.mediaTopics[conv.queue][0]) { queueTopics.append(j.mediaTopics[conv.queue][0]) }
        guard !topics.isEmpty || !queueTopics.isEmpty else { return }
        let body = conversationBody(conv)
        for t in topics { emit(t, body) }
        let tag = journeys.map { _ in SimJourneyTag(conversation: conv.id, customer: -1, media: .voice, lagged: false) }
        for t in queueTopics { outbox.append(SimMessage(topic: t, body: body, at: now, tag: tag)) }
    }

    /// A full conversation snapshot (ConversationEventTopicConversation).
    func conversationBody(_ conv: Conversation) -> [UInt8] {
        var w = JSONWriter(capacity: 2048)
        w.object { w in
            w.field("id", plain: conv.id)
            w.field("maxParticipants", conv.participants.count)
            w.field("recordingState", "none")
            w.field("address", conv.customerAddress)
            w.array("participants") { w in
                for p in conv.participants { writeParticipant(&w, p, conv) }
            }
            w.array("recentTransfers") { w in
                for _ in 0..<conv.recentTransfers {
                    w.object { w in w.field("state", plain: "complete") }
                }
            }
            w.array("divisions") { w in
                w.object { w in
                    w.object("division") { w in w.field("id", plain: organizationID) }
                    w.array("entities") { w in w.object { w in w.field("id", plain: conv.id) } }
                }
            }
        }
        return w.bytes
    }

    private func writeParticipant(_ w: inout JSONWriter, _ p: Participant, _ conv: Conversation) {
        w.object { w in
            w.field("id", plain: p.id)
            let purpose: String
            switch p.kind {
            case .customer: purpose = "customer"
            case .acd: purpose = "acd"
            case .agent: purpose = "agent"
            }
            w.field("purpose", plain: purpose)
            if let a = p.agent {
                w.field("userId", plain: agents[a].id)
                w.field("name", agents[a].name)
            } else if p.kind == .customer {
                w.field("name", "Caller")
            }
            if let q = p.queue { w.field("queueId", plain: queues[q].id) }
            w.field("address", p.kind == .customer ? conv.customerAddress : "sip:\(p.id)@localhost")
            if let t = p.connected { w.field("connectedTime", time: t) }
            if let t = p.end { w.field("endTime", time: t) }
            if p.kind == .agent {
                w.field("wrapupRequired", true)
                w.field("wrapupExpected", p.wrapupExpected)
                if let code = p.wrapupCode {
                    w.object("wrapup") { w in
                        w.field("code", code)
                        w.field("notes", "")
                        w.field("durationSeconds", Int(((p.acwEnd ?? 0) - (p.acwStart ?? 0)) / 1000))
                        w.field("endTime", time: p.acwEnd)
                    }
                }
                if let t = p.acwStart { w.field("startAcwTime", time: t) }
                if let t = p.acwEnd { w.field("endAcwTime", time: t) }
            } else {
                w.field("wrapupRequired", false)
            }
            w.object("attributes") { w in
                for (k, v) in p.attributes { w.field(k, v) }
            }
            w.array("calls") { w in
                w.object { w in
                    w.field("id", plain: p.communicationID)
                    w.field("state", plain: p.state)
                    w.field("direction", "inbound")
                    w.field("held", p.held)
                    w.field("muted", false)
                    w.field("recording", false)
                    w.field("recordingState", "none")
                    w.object("self") { w in
                        w.field("addressNormalized", p.kind == .customer ? conv.customerAddress : "sip:\(p.id)@localhost")
                    }
                    w.object("other") { w in
                        w.field("addressNormalized", p.kind == .customer ? "tel:+18005550100" : conv.customerAddress)
                    }
                    if let t = p.connected { w.field("connectedTime", time: t) }
                    if let t = p.end { w.field("disconnectedTime", time: t) }
                    if let d = p.disconnectType { w.field("disconnectType", d) }
                    w.field("provider", "Edge")
                }
            }
        }
    }

    /// Milliseconds the oldest waiting call of `q` has waited, 0 when none waits.
    func longestWait(_ q: Int) -> Int64 {
        var oldest: EpochMillis?
        for c in queues[q].waiting {
            if let s = conversations[c]?.waitingSince, oldest == nil || s < oldest! { oldest = s }
        }
        return oldest.map { max(0, now - $0) } ?? 0
    }

    /// The 30-minute interval containing `now`, as `start/end`.
    func currentInterval() -> String {
        let start = now - ((now % 1_800_000) + 1_800_000) % 1_800_000
        return "\(Timestamp.format(start))/\(Timestamp.format(start + 1_800_000))"
    }

    /// One `v2.analytics.queues.{id}.observations` message (StatEventQueueTopicStatsNotification):
    /// the user-level group (`users: true`, no mediaType) or the voice group.
    func observationBody(_ q: Int, users: Bool) -> [UInt8] {
        let queue = queues[q]
        var w = JSONWriter(capacity: 512)
        w.object { w in
            w.object("group") { w in
                w.field("queueId", plain: queue.id)
                if !users { w.field("mediaType", plain: "voice") }
            }
            w.array("data") { w in
                w.object { w in
                    w.field("interval", currentInterval())
                    w.array("metrics") { w in
                        for m in observationMetrics(q, users: users) {
                            w.object { w in
                                w.field("metric", plain: m.metric)
                                if let qual = m.qualifier { w.field("qualifier", plain: qual) }
                                w.object("stats") { w in w.field(m.stat, m.value) }
                            }
                        }
                    }
                }
            }
        }
        return w.bytes
    }

    struct ObservationMetric {
        let metric: String
        let qualifier: String?
        let stat: String
        let value: Int64
    }

    /// The observation metrics of one group, as the topic and the query report them.
    func observationMetrics(_ q: Int, users: Bool) -> [ObservationMetric] {
        let queue = queues[q]
        if users {
            var out: [ObservationMetric] = [
                ObservationMetric(metric: "oOnQueueUsers", qualifier: presenceIDs[Int(Presence.onQueue.rawValue)],
                                  stat: "count", value: Int64(queue.onQueueMembers)),
                ObservationMetric(metric: "oMemberUsers", qualifier: nil, stat: "count", value: Int64(queue.members.count)),
            ]
            for s in RoutingStatus.allCases {
                out.append(ObservationMetric(metric: "oUserRoutingStatuses", qualifier: s.rawValue, stat: "count",
                                             value: Int64(queue.routingCounts[s.index])))
            }
            return out
        }
        return [
            ObservationMetric(metric: "oWaiting", qualifier: nil, stat: "count", value: Int64(queue.waiting.count)),
            ObservationMetric(metric: "oInteracting", qualifier: nil, stat: "count", value: Int64(queue.interacting)),
            ObservationMetric(metric: "oAlerting", qualifier: nil, stat: "count", value: Int64(queue.alerting)),
            ObservationMetric(metric: "oLongestWaiting", qualifier: nil, stat: "max", value: longestWait(q)),
        ]
    }
}
