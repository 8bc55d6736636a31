import Normalizer
import SwitchboardCore
import Testing

private func ms(_ s: String) -> EpochMillis { Timestamp.parse(s)! }
private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Users details records → the agents' past change points.
@Suite struct RESTNormalizerUserDetailsTests {
    @Test func recordsBecomeStatusChangesAtTheirStarts() {
        // u1: presence and routing change together at 08:00 (one event), routing alone at 08:10 and 08:12;
        // the open records have no endTime. u2: only a presence record. Records arrive in any order.
        let body = #"""
        {"userDetails":[
          {"userId":"u1",
           "primaryPresence":[
             {"startTime":"2026-05-07T08:00:00.000Z","systemPresence":"ON_QUEUE","organizationPresenceId":"p-oq"},
             {"startTime":"2026-05-07T07:30:00.000Z","endTime":"2026-05-07T08:00:00.000Z","systemPresence":"BREAK","organizationPresenceId":"p-b"}],
           "routingStatus":[
             {"startTime":"2026-05-07T07:30:00.000Z","endTime":"2026-05-07T08:00:00.000Z","routingStatus":"OFF_QUEUE"},
             {"startTime":"2026-05-07T08:00:00.000Z","endTime":"2026-05-07T08:10:00.000Z","routingStatus":"IDLE"},
             {"startTime":"2026-05-07T08:10:00.000Z","endTime":"2026-05-07T08:12:00.000Z","routingStatus":"INTERACTING"},
             {"startTime":"2026-05-07T08:12:00.000Z","routingStatus":"IDLE"}]},
          {"userId":"u2","primaryPresence":[{"startTime":"2026-05-07T06:00:00.000Z","systemPresence":"Available"}],"extra":{}}],
         "totalHits":2}
        """#
        let u1 = EntityID(org: "us", platformID: "u1"), u2 = EntityID(org: "us", platformID: "u2")
        #expect(RESTNormalizer.usersDetails(bytes(body), org: "us") == [
            .agentStatus(AgentStatusChange(agent: u1, at: ms("2026-05-07T07:30:00.000Z"), presence: .breakTime,
                                           routingStatus: .offQueue)),
            .agentStatus(AgentStatusChange(agent: u1, at: ms("2026-05-07T08:00:00.000Z"), presence: .onQueue,
                                           routingStatus: .idle)),
            .agentStatus(AgentStatusChange(agent: u1, at: ms("2026-05-07T08:10:00.000Z"), routingStatus: .interacting)),
            .agentStatus(AgentStatusChange(agent: u1, at: ms("2026-05-07T08:12:00.000Z"), routingStatus: .idle)),
            .agentStatus(AgentStatusChange(agent: u2, at: ms("2026-05-07T06:00:00.000Z"), presence: .available)),
        ])
    }

    @Test func unusableRecordsAreSkipped() {
        // No start time, an unknown routing status, no value, no user id, an empty user: nothing from them.
        let body = #"""
        {"userDetails":[
          {"userId":"u1","primaryPresence":[{"systemPresence":"ON_QUEUE"},{"startTime":"2026-05-07T08:00:00.000Z"}],
           "routingStatus":[{"startTime":"2026-05-07T08:00:00.000Z","routingStatus":"DANCING"},
                            {"startTime":"not a time","routingStatus":"IDLE"},
                            {"startTime":"2026-05-07T08:05:00.000Z","routingStatus":"COMMUNICATING"}]},
          {"primaryPresence":[{"startTime":"2026-05-07T08:00:00.000Z","systemPresence":"ON_QUEUE"}]},
          {"userId":"u3"}],
         "totalHits":3}
        """#
        #expect(RESTNormalizer.usersDetails(bytes(body), org: "emea") == [
            .agentStatus(AgentStatusChange(agent: EntityID(org: "emea", platformID: "u1"),
                                           at: ms("2026-05-07T08:05:00.000Z"), routingStatus: .communicating)),
        ])
        #expect(RESTNormalizer.usersDetails(bytes(#"{"totalHits":0}"#), org: "us") == [])
    }

    @Test func malformedBodiesYieldNothingWithTheError() {
        for bad in ["{oops", "[]", #"{"userDetails":{"userId":"u1"}}"#, #"{"userDetails":[{"userId":7}]}"#] {
            #expect(RESTNormalizer.usersDetails(bytes(bad), org: "us") == [], "\(bad)")
            guard case .failure(let error) = RESTNormalizer.usersDetailsResult(bytes(bad), org: "us") else {
                Issue.record("expected a failure for \(bad)")
                continue
            }
            #expect(error.code == "normalizer.bad-rest-body")
            #expect(error.message.contains("users details"))
        }
    }
}
