import GenesysAPI
import Logging
import Normalizer
import SwitchboardConfig
import SwitchboardCore

/// Names of agents and queues between re-syncs. The platform announces a rename on no topic the
/// connector subscribes to (activity, conversations, observations, quality evaluations); names come from
/// the directory, which the re-sync reads after every reconnect. A connection that stays up for hours
/// would keep old names, so this re-reads the users and queues directories every
/// `OrgConnector.Options.directoryRefreshInterval` (business time, on the org's offset) and sends an
/// `agentProfile` / `queueProfile` for each name (or agent hire date, or queue service level) that changed. Everything stays keyed by id: the views
/// update the name in place and the utilization and quality figures (keyed by id) are untouched.
struct DirectoryPoller: Sendable {
    let org: OrgConfig
    let rest: GenesysRESTClient
    let sink: any BridgeEventSink
    let clock: any WallClock
    let every: Duration
    let tick: Duration
    let logger: Logger
    /// True once the first re-sync has read the directory (its names are the starting point).
    let ready: @Sendable () -> Bool
    /// Records or clears a feature that does not work (the connector's org card / `/readyz` line).
    var reportProblem: @Sendable (String, String?) async -> Void = { _, _ in }

    func run() async {
        let every = EpochMillis(self.every.components.seconds * 1000)
        guard every > 0 else { return }
        var schedule = PollSchedule(every: every, offset: PollSchedule.orgOffset(org.id.rawValue, every: every),
                                    interval: every, settle: 0, zone: org.timezone, now: clock.now())
        var known: [String: Known] = [:]
        while !Task.isCancelled {
            let now = clock.now()
            if ready(), let fetch = schedule.due(now: now) {
                do {
                    let changed = try await names(known: &known)
                    schedule.succeeded(fetch)
                    await reportProblem("directory", nil)
                    if !changed.isEmpty {
                        await sink.ingest(org: org.id, events: changed)
                        logger.info("names changed in the directory", metadata: ["count": "\(changed.count)"])
                    }
                } catch is CancellationError {
                    return
                } catch {
                    if Task.isCancelled { return }
                    schedule.failed(now: clock.now())
                    if let refusal = ConnectorProblem.permission(error, feature: "directory", endpoint: "GET /api/v2/users") {
                        schedule.refused(until: clock.now() + ConnectorProblem.refusedBackoff(every: every))
                        await reportProblem("directory", refusal)
                    } else {
                        logger.warning("directory re-read failed; names stay as they are until the next try",
                                       metadata: ["error": "\(error)"])
                    }
                }
                continue
            }
            let wait = Double(schedule.delay(now: now)) / max(clock.speed, 0.001)
            let cap = Double(tick.components.seconds) * 1000 + Double(tick.components.attoseconds) / 1e15
            do { try await Task.sleep(for: .milliseconds(Int64(max(1, min(wait, cap))))) } catch { return }
        }
    }

    /// What was last sent for an entity: its name, and an agent's hire date.
    struct Known: Equatable {
        var name: String
        var hireDate: Int?
        /// A queue's configured service level (docs/queues.md).
        var serviceLevel: ServiceLevelTarget?
    }

    /// Reads both directories; returns the profile events whose name or hire date differs from `known`
    /// (all of them on the first read: the views ignore an unchanged profile).
    func names(known: inout [String: Known]) async throws -> [BridgeEvent] {
        var out: [BridgeEvent] = []
        let wantedUsers: Set<String>? = if case .ids(let ids) = org.users { Set(ids) } else { nil }
        let wantedQueues: Set<String>? = if case .ids(let ids) = org.queues { Set(ids) } else { nil }
        for page in try await rest.usersPages() {
            for case .agentProfile(let p) in RESTNormalizer.usersPage(page.body, org: org.id, at: clock.now())
            where wantedUsers?.contains(p.agent.platformID) ?? true {
                let now = Known(name: p.name, hireDate: p.hireDate)
                if known[p.agent.description] != now {
                    known[p.agent.description] = now
                    out.append(.agentProfile(p))
                }
            }
        }
        for page in try await rest.queuesPages() {
            for case .queueProfile(let p) in RESTNormalizer.queuesPage(page.body, org: org.id, mediaTypes: org.tunables.utilizationMediaTypes)
            where wantedQueues?.contains(p.queue.platformID) ?? true {
                let now = Known(name: p.name, serviceLevel: p.serviceLevel)
                if known[p.queue.description] != now {
                    known[p.queue.description] = now
                    out.append(.queueProfile(p))
                }
            }
        }
        return out
    }
}
