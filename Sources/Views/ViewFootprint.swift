/// What the views hold, by part, in bytes: the soak's attribution of a growing heap (docs/performance.md,
/// "Memory flat for hours"). Payload bytes and array capacities only — the allocator's overhead per block and
/// the dictionaries' tables are not counted, so the parts are a floor of what they cost.
public struct ViewFootprint: Sendable, Equatable {
    /// Encoded utilization documents (one per agent and queue rollup): they grow by an interval every 30 minutes
    /// through the org's day and start again at its midnight.
    public var utilization = 0
    /// Encoded quality documents (per agent, queue and org).
    public var quality = 0
    /// Agents' change points, interaction spans and folded keys (bounded by the horizon the views keep).
    public var timelines = 0
    /// The agent and queue records themselves.
    public var records = 0

    public init() {}

    /// The parts by name, for a bench's JSON (keys: ``partNames``).
    public var parts: [String: Int] {
        ["utilization": utilization, "quality": quality, "timelines": timelines, "records": records]
    }

    /// The names ``parts`` uses, sorted.
    public static var partNames: [String] { ViewFootprint().parts.keys.sorted() }
}

extension ViewState {
    func footprint() -> ViewFootprint {
        var f = ViewFootprint()
        for org in orgs.values {
            for b in org.emittedUtilization.values { f.utilization += b.count }
            for b in org.emittedQuality.values { f.quality += b.count }
            f.quality += org.emittedQualityOrg?.count ?? 0
            f.records += org.agents.capacity * MemoryLayout<AgentRecord>.stride
                + org.queues.capacity * MemoryLayout<QueueRecord>.stride
            for a in org.agents {
                let t = a.timeline
                f.timelines += t.points.capacity * MemoryLayout<StatusPoint>.stride
                    + t.spans.capacity * MemoryLayout<InteractionSpan>.stride
                    + t.foldedKeys.capacity * MemoryLayout<UInt64>.stride
            }
        }
        return f
    }
}
