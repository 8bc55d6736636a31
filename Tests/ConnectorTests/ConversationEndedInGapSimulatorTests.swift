import AsyncHTTPClient
import Connector
import Foundation
import Logging
import Simulator
import SwitchboardConfig
import SwitchboardCore
import Testing
import Views

/// End-to-end over loopback: a conversation that ends while the org's socket is down. The Notification API has no
/// replay, so the conversation's end never arrives; the re-sync brings the gap's routing-status records, and the
/// views end the open interaction where the routing status went from interacting to idle (docs/views.md, "Per-agent
/// timeline"). Without that rule the agent stays `interacting`/`acw` and counts handling until the open cap.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ConversationEndedInGapSimulatorTests {
    static func routing(_ truth: SimTruth?) -> [String: String] {
        Dictionary(uniqueKeysWithValues: (truth?.agents ?? []).map { ($0.id, $0.routingStatus) })
    }

    /// Agents whose conversation ended in the gap still shown on it, and every agent's occupancy over the last 15
    /// minutes and today more than one point from the truth.
    static func mismatches(_ views: ViewEngine, _ truth: SimTruth, ended: Set<String>) async -> [String] {
        var bad: [String] = []
        for agent in truth.agents {
            let figures = await views.agentFigures(EntityID(org: "us", platformID: agent.id))
            let state = figures?.state ?? "-"
            if ended.contains(agent.id), agent.routingStatus == "IDLE", state == "interacting" || state == "acw" {
                bad.append("\(agent.name): still \(state) after its conversation ended in the gap")
            }
            let windows: [(OccupancyWindow, Int64, Int64)] = [
                (.rolling15m, agent.handlingMs.rolling15m, agent.productiveMs.rolling15m),
                (.today, agent.handlingMs.today, agent.productiveMs.today),
            ]
            for (window, handling, productive) in windows where productive > 60_000 {
                let expected = Double(handling) / Double(productive)
                let got = figures?.occupancy(window)
                if got.map({ abs($0 - expected) > 0.01 }) ?? true {
                    bad.append("\(agent.name): \(window.rawValue) occupancy \(got.map { "\($0)" } ?? "-"), truth \(expected)")
                }
            }
        }
        return bad
    }

    @Test func aConversationEndingWhileTheSocketIsDownEndsInTheViews() async throws {
        var options = ConnectorSimulatorTests.simulatorOptions(seed: 41)
        options.agentsPerOrg = 30
        // Business time moves 1 s per 25 ms (40×) while `running`; it stands still for the comparison at the end.
        let clock = ManualClock(testBusinessHours)
        let running = Locked(true)
        let sim = GenesysSimulator(options: options, clock: clock, logger: Logger(label: "test.sim"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sim.run() }
            group.addTask {
                await ReconnectOrderingSimulatorTests.driveClock(clock, while: running, every: .milliseconds(25))
            }
            _ = await sim.waitUntilListening()
            let (views, sink, connector) = ReconnectOrderingSimulatorTests.rig(
                sim, options, clock: clock, observer: ReconnectOrderingSimulatorTests.ActivityCounter())
            group.addTask { try await connector.run() }
            let started = await eventually("first open and its re-sync", seconds: 30) {
                let open = await sink.last == .open
                let baselines = await sink.baselineBatches
                return open && baselines >= 1
            }
            #expect(started)
            // Agents talking on a conversation (not in after-call work: that conversation's end has already arrived),
            // as the live socket showed them.
            let talking = Locked<Set<String>>([])
            let onCallSeen = await eventually("an agent talking on a conversation", seconds: 30) {
                let truth = Self.routing(await sim.truth(org: "us"))
                var found = Set<String>()
                for (id, routing) in truth where routing == "INTERACTING" {
                    if await views.agentFigures(EntityID(org: "us", platformID: id))?.state == "interacting" { found.insert(id) }
                }
                talking.value = found
                return found.count >= 2
            }
            #expect(onCallSeen)

            // The gap: the socket goes silent (ghost) and no new socket is let in until a conversation has ended.
            _ = await sim.inject(.refuseSockets(count: 1_000), org: "us")
            _ = await sim.inject(.ghost, org: "us")
            let onCall = talking.value
            let ended = Locked<Set<String>>([])
            let endedInGap = await eventually("stale, and a conversation ended during the gap", seconds: 60) {
                let now = Self.routing(await sim.truth(org: "us"))
                ended.value = Set(onCall.filter { now[$0] == "IDLE" })
                let statuses = await sink.statuses
                return statuses.contains(.stale) && !ended.value.isEmpty
            }
            #expect(endedInGap)
            let lastStatus = await sink.last
            #expect(lastStatus != .open, "the socket came back before the conversation ended")

            // Let the socket back in; once re-synced, stop time and compare with the truth.
            let directoriesBefore = await sink.statusAtDirectory.count
            _ = await sim.inject(.refuseSockets(count: 0), org: "us")
            let reopened = await eventually("reopened and re-synced", seconds: 60) {
                let directories = await sink.statusAtDirectory.count
                let status = await sink.last
                return status == .open && directories > directoriesBefore
            }
            #expect(reopened)
            running.value = false
            let last = Locked<[String]>([])
            let gapEnded = ended.value
            let settled = await eventually("every agent equal to /_sim/truth", seconds: 10) {
                await views.refresh()
                guard let truth = await sim.truth(org: "us") else { return false }
                let bad = await Self.mismatches(views, truth, ended: gapEnded)
                last.value = bad
                return bad.isEmpty
            }
            if !settled { Issue.record("different from the truth after the gap: \(last.value)") }
            print("conversation ended in gap e2e: \(ended.value.count) of \(onCall.count) conversations ended during the gap")
            group.cancelAll()
        }
    }
}
