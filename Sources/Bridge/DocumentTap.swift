import Store
import SwitchboardCore

/// The connectors' sink when the store is on (docs/store.md, "Documents"): hands every batch to the views
/// first, then submits the utilization and quality results in it to the store's writer as documents.
/// Submitting merges into the writer's pending batch and returns: nothing here waits on disk, and batches
/// without such results (the notification traffic) cost one pass over their events.
struct DocumentTap: BridgeEventSink {
    let views: any BridgeEventSink
    let submit: @Sendable (StoreBatch) -> Void

    init(views: any BridgeEventSink, writer: StoreWriter) {
        self.views = views
        self.submit = { writer.submit($0) }
    }

    init(views: any BridgeEventSink, submit: @escaping @Sendable (StoreBatch) -> Void) {
        self.views = views
        self.submit = submit
    }

    func ingest(org: OrgID, events: [BridgeEvent]) async {
        await views.ingest(org: org, events: events)
        var batch = StoreBatch()
        for event in events {
            switch event {
            case .utilization(let u):
                if let d = StoredDocument.utilization(u) { batch.documents.append(d) }
            case .quality(let q):
                if let d = StoredDocument.quality(q) { batch.documents.append(d) }
            default:
                continue
            }
        }
        if !batch.documents.isEmpty { submit(batch) }
    }
}
