/// Where sources deliver ``JourneyEvent``s (the connectors' conversation snapshots and detail events); the
/// journey views implement it. Delivery must not wait: a sink stages what it gets and returns.
public protocol JourneyEventSink: Sendable {
    func ingest(journeyEvents events: [JourneyEvent])
}
