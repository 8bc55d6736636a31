import Normalizer
import SwitchboardCore
import Testing

private func ms(_ s: String) -> EpochMillis { Timestamp.parse(s)! }
private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite struct RESTNormalizerTests {
    @Test func usersPage() {
        let body = #"{"entities":[{"id":"u1","name":"Ana Silva","presence":{"presenceDefinition":{"id":"x","systemPresence":"On Queue"},"modifiedDate":"2026-05-07T08:00:00.000Z"},"routingStatus":{"status":"IDLE","startTime":"2026-05-07T09:00:00.000Z"},"extra":1},{"id":"u2","name":"Bo"},{"name":"no id"}],"pageSize":25,"pageNumber":1,"pageCount":1}"#
        let events = RESTNormalizer.usersPage(bytes(body), org: "apac", at: 1)
        let u1 = EntityID(org: "apac", platformID: "u1")
        #expect(events == [
            .agentProfile(AgentProfile(agent: u1, name: "Ana Silva")),
            .agentStatus(AgentStatusChange(agent: u1, at: ms("2026-05-07T08:00:00.000Z"), presence: .onQueue)),
            .agentStatus(AgentStatusChange(agent: u1, at: ms("2026-05-07T09:00:00.000Z"), routingStatus: .idle)),
            .agentProfile(AgentProfile(agent: EntityID(org: "apac", platformID: "u2"), name: "Bo")),
        ])
    }

    /// `employerInfo.dateHire` (`yyyy-MM-dd`) rides on the profile as a day number; an absent, odd or
    /// impossible date is nil and never costs the user its name or status.
    @Test func usersPageHireDates() {
        func user(_ id: String, _ extra: String) -> String {
            #"{"id":"\#(id)","name":"N\#(id)"\#(extra),"routingStatus":{"status":"IDLE","startTime":"2026-05-07T09:00:00.000Z"}}"#
        }
        let body = "{\"entities\":[" + [
            user("a", #","employerInfo":{"officialName":"A","employeeId":"E1","employeeType":"Full-time","dateHire":"2019-03-14"}"#),
            user("b", ""),
            user("c", #","employerInfo":{"employeeId":"E3"}"#),
            user("d", #","employerInfo":{"dateHire":"14/03/2019"}"#),
            user("e", #","employerInfo":{"dateHire":"2023-02-30"}"#),
            user("f", #","employerInfo":{"dateHire":20190314}"#),
            user("g", #","employerInfo":"2019-03-14""#),
            user("h", #","employerInfo":null"#),
            user("i", #","employerInfo":{"dateHire":"2020-02-29T00:00:00.000Z"}"#),
            user("j", #","employerInfo":{"dateHire":""}"#),
        ].joined(separator: ",") + "]}"
        let events = RESTNormalizer.usersPage(bytes(body), org: "us", at: 1)
        var hires: [String: Int?] = [:]
        var statuses = 0
        for event in events {
            switch event {
            case .agentProfile(let p): hires[p.agent.platformID] = .some(p.hireDate)
            case .agentStatus: statuses += 1
            default: Issue.record("unexpected \(event)")
            }
        }
        #expect(statuses == 10)
        #expect(hires.count == 10)
        #expect(hires["a"] == .some(CalendarDay.parse("2019-03-14")))
        #expect(CalendarDay.format(CalendarDay.parse("2019-03-14")!) == "2019-03-14")
        #expect(CalendarDay.parse("2019-03-14") == 17_969)
        #expect(hires["i"] == .some(CalendarDay.parse("2020-02-29")))
        for id in ["b", "c", "d", "e", "f", "g", "h", "j"] {
            #expect(hires[id] == .some(nil), "user \(id) should have no hire date")
        }
    }

    @Test func calendarDays() {
        #expect(CalendarDay.parse("1970-01-01") == 0)
        #expect(CalendarDay.parse("1969-12-31") == -1)
        #expect(CalendarDay.parse("2024-02-29") != nil)
        #expect(CalendarDay.parse("2023-02-29") == nil)
        #expect(CalendarDay.parse("2023-13-01") == nil)
        #expect(CalendarDay.parse("2023-1-01") == nil)
        #expect(CalendarDay.parse("2023-01-01x") == nil)
        #expect(CalendarDay.parse("0999-01-01") == nil)
        #expect(CalendarDay.format(0) == "1970-01-01")
        #expect(CalendarDay.of(Timestamp.parse("2026-05-07T02:00:00.000Z")!, offsetSeconds: -4 * 3600)
            == CalendarDay.parse("2026-05-06"))
        #expect(CalendarDay.of(Timestamp.parse("1969-12-31T23:00:00.000Z")!) == -1)
    }

    @Test func malformedBodiesYieldNothing() {
        #expect(RESTNormalizer.usersPage(bytes("{oops"), org: "us", at: 1) == [])
        #expect(RESTNormalizer.queuesPage(bytes("[]"), org: "us") == [])
        guard case .failure(let error) = RESTNormalizer.usersPageResult(bytes("{oops"), org: "us", at: 1) else {
            Issue.record("expected failure")
            return
        }
        #expect(error.code == "normalizer.bad-rest-body")
    }

    @Test func queuesPage() {
        let body = #"{"entities":[{"id":"q1","name":"Sales","memberCount":3},{"id":"q2"}]}"#
        #expect(RESTNormalizer.queuesPage(bytes(body), org: "us")
            == [.queueProfile(QueueProfile(queue: EntityID(org: "us", platformID: "q1"), name: "Sales"))])
    }

    @Test func observationsQuery() {
        let body = #"{"results":[{"group":{"queueId":"1d1a"},"data":[{"metric":"oUserRoutingStatuses","qualifier":"INTERACTING","stats":{"count":2}},{"metric":"oUserRoutingStatuses","qualifier":"IDLE","stats":{"count":1}},{"metric":"oUserRoutingStatuses","qualifier":"OFF_QUEUE","stats":{"count":3}}]},{"group":{"queueId":"1d1a","mediaType":"voice"},"data":[{"metric":"oInteracting","stats":{"count":1},"truncated":false,"observations":[{"observationDate":"2020-08-03T04:28:15.134Z","conversationId":"c"}]},{"metric":"oWaiting","stats":{"count":2},"observations":[{"observationDate":"2020-08-03T04:20:00.000Z"},{"observationDate":"2020-08-03T04:25:00.000Z"}]}]},{"group":{"queueId":"1d1a","mediaType":"chat"},"data":[{"metric":"oInteracting","stats":{"count":1}}]}],"systemToOrganizationMappings":{}}"#
        let id = EntityID(org: "us", platformID: "1d1a")
        #expect(RESTNormalizer.queueObservationsQuery(bytes(body), org: "us", at: 10) == [
            .queueObservation(QueueObservation(queue: id, at: 10, routingStatuses: [.interacting: 2, .idle: 1, .offQueue: 3])),
            .queueObservation(QueueObservation(queue: id, at: 10, mediaType: "voice", waiting: 2, interacting: 1,
                                               oldestWaitingSince: ms("2020-08-03T04:20:00.000Z"))),
            .queueObservation(QueueObservation(queue: id, at: 10, mediaType: "chat", interacting: 1)),
        ])
    }

    @Test func usersAggregatesBaseline() {
        let day = ms("2026-05-07T00:00:00.000Z")
        let asOf = ms("2026-05-07T11:00:00.000Z")
        func bucket(_ start: String, _ end: String, _ metrics: String) -> String {
            #"{"interval":"\#(start)/\#(end)","metrics":[\#(metrics)]}"#
        }
        let body = #"{"results":[{"group":{"userId":"u1"},"data":[\#(bucket("2026-05-06T23:30:00.000Z", "2026-05-07T00:00:00.000Z", #"{"metric":"tAgentRoutingStatus","qualifier":"INTERACTING","stats":{"sum":999999}}"#)),\#(bucket("2026-05-07T09:00:00.000Z", "2026-05-07T09:30:00.000Z", #"{"metric":"tAgentRoutingStatus","qualifier":"INTERACTING","stats":{"sum":600000}},{"metric":"tAgentRoutingStatus","qualifier":"IDLE","stats":{"sum":1200000}},{"metric":"tSystemPresence","qualifier":"On Queue","stats":{"sum":1500000}},{"metric":"tSystemPresence","qualifier":"BREAK","stats":{"sum":300000}}"#)),\#(bucket("2026-05-07T09:30:00.000Z", "2026-05-07T10:00:00.000Z", #"{"metric":"tAgentRoutingStatus","qualifier":"COMMUNICATING","stats":{"sum":100000}},{"metric":"tSystemPresence","qualifier":"onQueue","stats":{"sum":50000}},{"metric":"tSystemPresence","qualifier":"AVAILABLE","stats":{"sum":20000}}"#)),\#(bucket("2026-05-07T11:00:00.000Z", "2026-05-07T11:30:00.000Z", #"{"metric":"tSystemPresence","qualifier":"ON_QUEUE","stats":{"sum":1800000}}"#))]},{"group":{"userId":"u2"},"data":[]}]}"#
        let events = RESTNormalizer.usersAggregates(bytes(body), org: "us", dayStart: day, asOf: asOf,
                                                    productivePresences: [.onQueue, .available])
        #expect(events == [
            // bucket 1: H 600000, P 1500000; bucket 2: H 100000, P 70000 → max(P, H) = 100000.
            .agentBaseline(AgentBaseline(agent: EntityID(org: "us", platformID: "u1"), dayStart: day, asOf: asOf,
                                         handlingMs: 700_000, productiveMs: 1_600_000)),
            .agentBaseline(AgentBaseline(agent: EntityID(org: "us", platformID: "u2"), dayStart: day, asOf: asOf,
                                         handlingMs: 0, productiveMs: 0)),
        ])
    }

    /// Pass rate from the passing-score view: its count over `oTotalScore.count`; a group without the
    /// view passed none; a response without the view anywhere leaves passRate nil (never a false 0 %).
    @Test func evaluationsPassRateFromTheView() throws {
        let body = #"""
        {"results":[
         {"group":{"userId":"u1","formId":"f1"},"data":[{"interval":"x","metrics":[
           {"metric":"nEvaluations","stats":{"count":4}},{"metric":"oTotalScore","stats":{"count":4,"sum":330}}],
           "views":[{"name":"oTotalScorePassing","stats":{"count":3,"sum":270}}]}]},
         {"group":{"userId":"u2","formId":"f1"},"data":[{"interval":"x","metrics":[
           {"metric":"nEvaluations","stats":{"count":2}},{"metric":"oTotalScore","stats":{"count":2,"sum":120}}]}]}]}
        """#
        let got = try RESTNormalizer.evaluationsAggregates(bytes(body), passView: "oTotalScorePassing").get()
        #expect(got["u1"]?.first?.passRate == 75)
        #expect(got["u1"]?.first?.averageScore == 82.5)
        #expect(got["u2"]?.first?.passRate == 0)
        let without = try RESTNormalizer.evaluationsAggregates(bytes(body), passView: nil).get()
        #expect(without["u1"]?.first?.passRate == nil)
        let unseen = body.replacingOccurrences(of: "oTotalScorePassing", with: "somethingElse")
        let ignored = try RESTNormalizer.evaluationsAggregates(bytes(unseen), passView: "oTotalScorePassing").get()
        #expect(ignored["u1"]?.first?.passRate == nil)
        #expect(ignored["u2"]?.first?.passRate == nil)
    }
}
