import Foundation
import SwitchboardCore

/// A milestone of a voice call that an AudioHook Monitor session and the seed Audio Connector follow.
struct SimCallAudioEvent: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// An agent connected (the first answer, or the answer after a transfer).
        case connected(participantId: String, ani: String, dnis: String)
        /// On hold, or the agent left with a transfer and the call waits again.
        case paused
        /// Off hold.
        case resumed
        /// The conversation ended.
        case ended
    }
    var conversationId: String
    var kind: Kind
    /// Business time of the milestone.
    var at: EpochMillis? = nil
    /// With `connected`: the agent who connected, the queue the call came from, when the conversation began.
    var agentId: String? = nil
    var queueId: String? = nil
    var conversationStart: EpochMillis? = nil
}

extension OrgModel {
    /// Records a milestone of conversation `c` for the AudioHook client and the seed Audio Connector.
    func recordAudio(_ c: Int, _ kind: SimCallAudioEvent.Kind) {
        guard recordsAudio, publishing, let conv = conversations[c] else { return }
        audioEvents.append(SimCallAudioEvent(conversationId: conv.id, kind: kind, at: now))
    }

    /// Records that an agent connected to conversation `c`.
    func recordAudioConnected(_ c: Int) {
        guard recordsAudio, publishing, let conv = conversations[c],
            let customer = conv.participants.first(where: { $0.kind == .customer })
        else { return }
        let dnis = "tel:+1800555\(String(format: "%04d", 100 + conv.queue))"
        let agent = conv.participants.last { $0.kind == .agent && $0.end == nil }?.agent
        audioEvents.append(SimCallAudioEvent(
            conversationId: conv.id, kind: .connected(participantId: customer.id, ani: conv.customerAddress, dnis: dnis),
            at: now, agentId: agent.map { agents[$0].id }, queueId: queues[conv.queue].id, conversationStart: conv.start))
    }

    /// Takes the milestones recorded so far.
    func takeAudioEvents() -> [SimCallAudioEvent] {
        defer { audioEvents.removeAll(keepingCapacity: true) }
        return audioEvents
    }
}
