import Foundation
import Synchronization
import SwitchboardCore

/// One org and its lock. Every access to the org's model, channels and faults goes through ``with(_:)``.
final class OrgRuntime: Sendable {
    let id: String
    let index: Int
    let timeZone: TimeZone
    private let state: Mutex<OrgState>

    init(id: String, index: Int, options: SimulatorOptions, startAt t0: EpochMillis,
         progress: (@Sendable (EpochMillis) -> Void)? = nil) {
        self.id = id
        self.index = index
        let zone = TimeZone(identifier: options.timeZoneID(for: id)) ?? TimeZone(identifier: "UTC")!
        self.timeZone = zone
        let model = OrgModel(
            org: id, orgIndex: index, agentCount: options.agentsPerOrg, queueCount: options.effectiveQueuesPerOrg,
            seed: options.seed, timeZone: zone)
        model.largeSnapshotRate = options.largeSnapshotRate
        model.demoLoad = options.demoLoad
        model.transcription.share = min(1, max(0, options.transcriptionShare))
        if let journeys = options.journeys, journeys.covers(id) {
            model.journeys = SimJourneyWorkload(org: id, options: journeys, seed: options.seed ^ UInt64(index + 1),
                                               queueIDs: model.queues.map(\.id))
            model.journeys?.eventBridgeOn = journeys.eventBridge?.apiKeys[id] != nil
        }
        model.start(at: t0, historyFrom: options.startAt.map { t0 - $0.millisecondsSinceMidnight }, progress: progress)
        let s = OrgState(model: model, seed: options.seed ^ UInt64(index + 1))
        s.deniedPermissions = options.deniedPermissions[id] ?? []
        state = Mutex(s)
    }

    /// Runs `body` under the org's lock.
    func with<R: Sendable>(_ body: (OrgState) -> R) -> R {
        state.withLock { s in body(s) }
    }

    /// Runs a throwing `body` under the org's lock.
    func result<R: Sendable>(_ body: (OrgState) throws(APIError) -> R) -> Result<R, APIError> {
        state.withLock { s in
            do throws(APIError) { return .success(try body(s)) } catch { return .failure(error) }
        }
    }
}
