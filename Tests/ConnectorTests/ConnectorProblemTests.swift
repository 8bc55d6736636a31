import GenesysAPI
import Testing
@testable import Connector

@Suite struct ConnectorProblemTests {
    @Test func permissionsAreReadFromThePlatformsMessage() {
        #expect(ConnectorProblem.permissions(in: "Unable to perform the requested action. You are missing the following permission(s): [analytics:evaluationAggregate:view]")
                == ["analytics:evaluationAggregate:view"])
        #expect(ConnectorProblem.permissions(in: "missing [a:b:view, quality:evaluation:view]") == ["a:b:view", "quality:evaluation:view"])
        #expect(ConnectorProblem.permissions(in: "Forbidden").isEmpty)
        #expect(ConnectorProblem.permissions(in: "time 10:00:00 is not a permission").isEmpty)
    }

    @Test func onlyA403IsAPermissionProblem() {
        let refused = GenesysAPIError(code: "genesys.forbidden", message: "You are missing the following permission(s): [x:y:view]", status: 403)
        let text = ConnectorProblem.permission(refused, feature: "quality", endpoint: "POST /x")
        #expect(text?.hasPrefix("quality: the OAuth client lacks x:y:view (HTTP 403)") == true)
        #expect(ConnectorProblem.permission(GenesysAPIError(code: "genesys.server-error", message: "x", status: 503),
                                            feature: "quality", endpoint: "POST /x") == nil)
    }

    @Test func aRefusalWaitsLongerThanAnOrdinaryFailure() {
        var s = PollSchedule(every: 30_000, offset: 0, zone: .init(identifier: "UTC")!, now: 1_000_000)
        s.failed(now: 1_000_000)
        let ordinary = s.delay(now: 1_000_000)
        s.refused(until: 1_000_000 + ConnectorProblem.refusedBackoff(every: 30_000))
        #expect(s.delay(now: 1_000_000) == 300_000)
        #expect(ordinary < 300_000)
    }

    @Test func listedIdsMissingFromTheDirectoryAreAProblem() {
        let a = "3f6f0c2e-9d1b-4c8e-a7a5-2b6f1e0d9c41", b = "6c1e2a4b-0f3d-4e5a-8b7c-9d0e1f2a3b4c"
        #expect(ConnectorProblem.unknownIDs("users", wanted: [a], found: [a, b]) == nil)
        let text = ConnectorProblem.unknownIDs("queues", wanted: [a, b], found: [a])
        #expect(text?.hasPrefix("queues: 1 of the 2 ids in this org's 'queues:' list are not in its directory (\(b));") == true)
    }
}
