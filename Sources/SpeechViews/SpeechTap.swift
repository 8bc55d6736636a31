import SwitchboardCore

/// The connectors' sink when the speech views run: hands every batch to the live views first, then
/// stages its `agentInteraction` events for the speech views (``SpeechViewEngine/observe(org:events:)``,
/// which never waits). A batch without interactions costs one pass over its events.
public struct SpeechTap: BridgeEventSink {
    public let views: any BridgeEventSink
    public let speech: SpeechViewEngine

    public init(views: any BridgeEventSink, speech: SpeechViewEngine) {
        self.views = views
        self.speech = speech
    }

    public func ingest(org: OrgID, events: [BridgeEvent]) async {
        await views.ingest(org: org, events: events)
        speech.observe(org: org, events: events)
    }
}
