import Foundation
import SwitchboardCore

/// `GET /api/v2/conversations/{id}`: a live or lately ended conversation in the platform's `Conversation`
/// shape (py-model `Conversation`, `Participant`, `Call`).
extension OrgModel {
    /// Ended conversations kept for lookups.
    static let endedConversationMemory = 2000

    /// Conversation `c` is over: it leaves the live set and is kept among the lately ended.
    func retire(_ c: Int) {
        guard let conv = conversations.removeValue(forKey: c) else { return }
        if endedConversations.updateValue(conv, forKey: conv.id) == nil { endedOrder.append(conv.id) }
        if endedOrder.count > Self.endedConversationMemory {
            let drop = endedOrder.count - Self.endedConversationMemory
            for id in endedOrder.prefix(drop) { endedConversations[id] = nil }
            endedOrder.removeFirst(drop)
        }
    }

    /// The conversation with id `id`, live or lately ended; nil when unknown.
    func conversationDetail(id: String) -> [UInt8]? {
        let found = conversations.values.first { $0.id == id } ?? endedConversations[id]
        return found.map(conversationDetailBody)
    }

    func conversationDetailBody(_ conv: Conversation) -> [UInt8] {
        let dnis = "tel:+1800555\(String(format: "%04d", 100 + conv.queue))"
        let ended = conv.finished && conv.participants.allSatisfy { $0.end != nil }
        var w = JSONWriter(capacity: 2048)
        w.object { w in
            w.field("id", plain: conv.id)
            w.field("startTime", time: conv.start)
            if ended { w.field("endTime", time: conv.participants.compactMap(\.end).max()) }
            w.field("address", dnis)
            w.array("participants") { w in
                for p in conv.participants { writeDetailParticipant(&w, p, conv, dnis: dnis) }
            }
            w.field("recordingState", plain: "NONE")
            w.field("selfUri", "/api/v2/conversations/\(conv.id)")
        }
        return w.bytes
    }

    private func writeDetailParticipant(_ w: inout JSONWriter, _ p: Participant, _ conv: Conversation, dnis: String) {
        w.object { w in
            w.field("id", plain: p.id)
            w.field("startTime", time: p.start)
            if let t = p.end { w.field("endTime", time: t) }
            if let t = p.connected { w.field("connectedTime", time: t) }
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
            } else if let q = p.queue {
                w.field("name", queues[q].name)
            }
            if let q = p.queue {
                w.field("queueId", plain: queues[q].id)
                w.field("queueName", queues[q].name)
            }
            let address = p.kind == .customer ? conv.customerAddress : "sip:\(p.id)@localhost"
            w.field("address", address)
            if p.kind == .customer {
                w.field("ani", conv.customerAddress)
                w.field("dnis", dnis)
            }
            w.field("wrapupRequired", p.kind == .agent)
            if p.kind == .agent, let code = p.wrapupCode {
                w.object("wrapup") { w in
                    w.field("code", code)
                    w.field("name", code)
                    w.field("notes", "")
                    w.field("durationSeconds", Int(((p.acwEnd ?? 0) - (p.acwStart ?? 0)) / 1000))
                    w.field("endTime", time: p.acwEnd)
                }
            }
            if let t = p.acwStart { w.field("startAcwTime", time: t) }
            if let t = p.acwEnd { w.field("endAcwTime", time: t) }
            w.object("attributes") { w in
                for (k, v) in p.attributes { w.field(k, v) }
            }
            w.array("calls") { w in
                w.object { w in
                    w.field("id", plain: p.communicationID)
                    w.field("state", plain: p.state)
                    w.field("direction", "inbound")
                    w.field("recording", false)
                    w.field("recordingState", "none")
                    w.field("muted", false)
                    w.field("confined", false)
                    w.field("held", p.held)
                    if let t = p.heldSince { w.field("startHoldTime", time: t) }
                    if let t = p.connected { w.field("connectedTime", time: t) }
                    if let t = p.end { w.field("disconnectedTime", time: t) }
                    if let d = p.disconnectType { w.field("disconnectType", d) }
                    w.field("provider", "Edge")
                    w.object("self") { w in w.field("addressNormalized", address) }
                    w.object("other") { w in
                        w.field("addressNormalized", p.kind == .customer ? dnis : conv.customerAddress)
                    }
                }
            }
        }
    }
}
