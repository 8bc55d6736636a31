import Foundation
import Synchronization
import SwitchboardConfig
import SwitchboardCore
@testable import Views

/// Collects what the engine publishes.
final class RecordingSink: ViewChangeSink {
    private let state = Mutex<([EntityChange], [StreamAlert])>(([], []))

    func publish(_ changes: [EntityChange]) { state.withLock { $0.0 += changes } }
    func publish(alert: StreamAlert) { state.withLock { $0.1.append(alert) } }

    var changes: [EntityChange] { state.withLock { $0.0 } }
    var alerts: [StreamAlert] { state.withLock { $0.1 } }

    /// Returns and forgets what was published so far.
    func drain() -> [EntityChange] {
        state.withLock { s in
            defer { s.0 = [] }
            return s.0
        }
    }
}

func ms(_ s: String) -> EpochMillis { Timestamp.parse(s)! }

let minute: EpochMillis = 60_000
let utc = TimeZone(identifier: "UTC")!

func agentID(_ org: OrgID, _ n: Int) -> EntityID {
    EntityID(org: org, platformID: String(format: "00000000-0000-4000-8000-%012d", n))
}

func status(_ id: EntityID, _ at: EpochMillis, _ presence: SystemPresence? = nil,
            _ routing: RoutingStatus? = nil) -> BridgeEvent {
    .agentStatus(AgentStatusChange(agent: id, at: at, presence: presence, routingStatus: routing))
}

/// An engine over orgs `us` (UTC) unless told otherwise, its sink and its clock.
struct Harness {
    let engine: ViewEngine
    let sink: RecordingSink
    let clock: ManualClock

    init(orgs: [ViewOrg] = [ViewOrg(id: "us", name: "US", timeZone: utc)], now: EpochMillis,
         occupancy: OccupancyConfig = OccupancyConfig(), tuning: ViewTuning = ViewTuning(),
         thresholds: ThresholdsConfig = ThresholdsConfig()) {
        sink = RecordingSink()
        clock = ManualClock(now)
        engine = ViewEngine(occupancy: occupancy, orgs: orgs, clock: clock, sink: sink, tuning: tuning,
                            thresholds: thresholds)
    }

    /// Parses an emitted fragment.
    static func object(_ change: EntityChange) -> [String: Any] {
        guard let bytes = change.json?.bytes,
            let obj = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        else { return [:] }
        return obj
    }
}

extension Array where Element == EntityChange {
    func of(_ kind: EntityKind) -> [EntityChange] { filter { $0.kind == kind } }
}
