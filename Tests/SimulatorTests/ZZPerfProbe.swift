import Foundation
@testable import Simulator
import SwitchboardCore
import Testing

@Test(.enabled(if: ProcessInfo.processInfo.environment["SIM_PERF"] != nil)) func perfProbe() async throws {
    let m = OrgModel(org: "us", orgIndex: 0, agentCount: 5000, queueCount: 40, seed: 1, timeZone: TimeZone(identifier: "UTC")!)
    m.start(at: 1_790_000_000_000)
    var t = ContinuousClock.now
    m.advance(to: 1_790_000_000_000 + 1_200_000)
    print("20 sim min no encoding:", ContinuousClock.now - t, m.drain().count)
    m.recordAll = true
    t = ContinuousClock.now
    m.advance(to: 1_790_000_000_000 + 1_800_000)
    print("10 sim min all encoded:", ContinuousClock.now - t, m.drain().count)
}
