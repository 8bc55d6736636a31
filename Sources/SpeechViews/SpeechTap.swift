import SwitchboardCore

/// Something that follows the connectors' batches without holding them up: it stages what it needs and returns
/// (the speech views and the speech-text views read the `agentInteraction` events for their join).
public protocol BridgeEventObserver: Sendable {
    func observe(org: OrgID, events: [BridgeEvent])
}

/// The connectors' sink when the speech views run: hands every batch to the live views first, then to the
/// observers (``SpeechViewEngine/observe(org:events:)`` and the speech-text views'), which never wait. A batch
/// without interactions costs each observer one pass over its events.
public struct SpeechTap: BridgeEventSink {
    public let views: any BridgeEventSink
    public let observers: [any BridgeEventObserver]

    public init(views: any BridgeEventSink, speech: SpeechViewEngine, also: [any BridgeEventObserver] = []) {
        self.views = views
        self.observers = [speech] + also
    }

    public func ingest(org: OrgID, events: [BridgeEvent]) async {
        await views.ingest(org: org, events: events)
        for o in observers { o.observe(org: org, events: events) }
    }
}
