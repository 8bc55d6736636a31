import Journeys
import SwitchboardCore

extension NotificationNormalizer {
    /// Queue conversation snapshots and detail events, for customer journeys (``JourneyMapper``); nil for other
    /// `v2.routing.*` and `v2.detail.*` topics. Without `receivedAt` an event's own time stands in for it.
    func journeyTopic(_ topic: TopicPath, frame: UnsafeBufferPointer<UInt8>, receivedAt: EpochMillis?,
                      rerouted: Bool) -> NotificationFrame? {
        let name = topic.string
        let org = self.org
        switch JourneyWire.topic(name) {
        case .conversation(let media) where topic.part(1, is: "routing"):
            let kind = TopicKind.queueConversations
            return decode(JourneyWire.Conversation.self, topic: topic, kind: kind.rawValue, frame: frame,
                          receivedAt: receivedAt, rerouted: rerouted, fast: nil) { body in
                guard let body else { return .journeys(topic: kind, []) }
                let at = receivedAt ?? Self.latestTime(body)
                return Self.frame(JourneyMapper.snapshot(body, org: org, topicMedia: media, receivedAt: at,
                                                         source: .notification), kind: kind)
            }
        case .detail(let kindName):
            let kind = TopicKind.detailEvents
            return decode(JourneyWire.DetailEvent.self, topic: topic, kind: kind.rawValue, frame: frame,
                          receivedAt: receivedAt, rerouted: rerouted, fast: nil) { body in
                guard let body else { return .journeys(topic: kind, []) }
                return Self.frame(JourneyMapper.detail(body, kindName: kindName, org: org, id: nil,
                                                       receivedAt: receivedAt ?? body.eventTime ?? 0,
                                                       source: .detailEvent), kind: kind)
            }
        default:
            return nil
        }
    }

    private static func frame(_ result: JourneyMapper.Result, kind: TopicKind) -> NotificationFrame {
        switch result {
        case .events(let events): .journeys(topic: kind, events)
        case .unusable(let why): .malformed(kind: "bad-body:\(kind.rawValue)", detail: why)
        }
    }

    /// The latest time anywhere in a snapshot (the receive time of a frame normalised without one).
    static func latestTime(_ c: JourneyWire.Conversation) -> EpochMillis {
        var latest: EpochMillis = 0
        for p in c.participants ?? [] {
            for s in [p.connectedTime, p.endTime, p.startAcwTime, p.endAcwTime] {
                if let t = time(s) { latest = max(latest, t) }
            }
            for comm in p.media.flatMap(\.1) {
                for s in [comm.connectedTime, comm.disconnectedTime] {
                    if let t = time(s) { latest = max(latest, t) }
                }
            }
        }
        return latest
    }
}
