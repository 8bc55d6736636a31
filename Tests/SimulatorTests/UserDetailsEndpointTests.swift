import Foundation
@testable import Simulator
import SwitchboardCore
import Testing

/// `POST /api/v2/analytics/users/details/query`: the records are the truth's history, paging and
/// filters behave like the platform's, intervals select overlapping records whole.
@Suite("Users details query over HTTP")
struct UserDetailsEndpointTests {
    struct Record {
        var start: EpochMillis
        var end: EpochMillis?
        var value: String
    }

    struct Detail {
        var user: String
        var presence: [Record]
        var routing: [Record]
    }

    static func query(_ client: SimClient, _ token: String, from: EpochMillis, to: EpochMillis,
                      filter: String? = nil, pageSize: Int = 100, pageNumber: Int = 1)
        async throws -> (details: [Detail], totalHits: Int)
    {
        var body = #"{"interval":"\#(Timestamp.format(from))/\#(Timestamp.format(to))","#
        if let filter { body += #""userFilters":[\#(filter)],"# }
        body += #""paging":{"pageSize":\#(pageSize),"pageNumber":\#(pageNumber)}}"#
        let reply = try await client.request("POST", "/api/v2/analytics/users/details/query", token: token, json: body)
        try #require(reply.status == 200, "\(reply.status): \(reply.text)")
        let j = try reply.json()
        var details: [Detail] = []
        for d in j["userDetails"] as? [[String: Any]] ?? [] {
            details.append(Detail(user: try #require(d["userId"] as? String),
                                  presence: try records(d, "primaryPresence", "systemPresence"),
                                  routing: try records(d, "routingStatus", "routingStatus")))
        }
        return (details, try #require(j["totalHits"] as? Int))
    }

    static func records(_ detail: [String: Any], _ key: String, _ field: String) throws -> [Record] {
        var out: [Record] = []
        for r in detail[key] as? [[String: Any]] ?? [] {
            let start = try #require(Timestamp.parse(r["startTime"] as? String ?? ""), "\(key) record without a start: \(r)")
            let end: EpochMillis? = if let e = r["endTime"] as? String { Timestamp.parse(e) } else { nil }
            out.append(Record(start: start, end: end, value: try #require(r[field] as? String)))
        }
        return out
    }

    /// Handling and productive milliseconds over [from, to) from the records alone (SPEC §5).
    static func integrate(_ d: Detail, from: EpochMillis, to: EpochMillis) -> (handling: Int64, productive: Int64) {
        var cuts = Set([from, to])
        for r in d.presence + d.routing {
            if r.start > from && r.start < to { cuts.insert(r.start) }
            if let e = r.end, e > from && e < to { cuts.insert(e) }
        }
        func value(_ records: [Record], at t: EpochMillis) -> String? {
            records.first { $0.start <= t && t < ($0.end ?? .max) }?.value
        }
        var h: Int64 = 0, p: Int64 = 0
        let sorted = cuts.sorted()
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            let routing = value(d.routing, at: a), presence = value(d.presence, at: a)
            let handling = routing == "INTERACTING" || routing == "COMMUNICATING"
            if handling { h += b - a }
            if handling || presence == "ON_QUEUE" || presence == "AVAILABLE" { p += b - a }
        }
        return (h, p)
    }

    @Test func recordsAreTheTruthsHistory() async throws {
        let clock = ManualClock(testBusinessHours)
        try await withSimulator({ $0.orgCount = 1; $0.agentsPerOrg = 10; $0.startAt = .init(hour: 6, minute: 0) },
                                clock: clock) { sim, client in
            let token = try await client.accessToken()
            let now = clock.now()
            let (details, hits) = try await Self.query(client, token, from: now - 65 * 60_000, to: now)
            #expect(hits == 10)
            #expect(details.count == 10)
            let truth = try #require(await sim.truth(org: "us"))
            for agent in truth.agents {
                let d = try #require(details.first { $0.user == agent.id }, "no details for \(agent.id)")
                for records in [d.presence, d.routing] {
                    // Contiguous, the first one covering the interval's start, only the last one open.
                    #expect(records.first.map { $0.start <= now - 65 * 60_000 } == true)
                    #expect(records.last?.end == nil)
                    for (a, b) in zip(records, records.dropFirst()) {
                        #expect(a.end == b.start && a.value != b.value, "\(agent.id): \(a) then \(b)")
                    }
                }
                #expect(d.presence.last?.value == SystemPresence(agent.presence).rawValue)
                #expect(d.routing.last?.value == agent.routingStatus)
                let r15 = Self.integrate(d, from: now - 15 * 60_000, to: now)
                let r60 = Self.integrate(d, from: now - 60 * 60_000, to: now)
                #expect(r15.handling == agent.handlingMs.rolling15m && r15.productive == agent.productiveMs.rolling15m)
                #expect(r60.handling == agent.handlingMs.rolling60m && r60.productive == agent.productiveMs.rolling60m)
            }
            #expect(truth.agents.contains { $0.handlingMs.rolling60m > 0 }, "a telling sample needs some handling")
        }
    }

    @Test func pagingFiltersAndIntervals() async throws {
        let clock = ManualClock(testBusinessHours)
        try await withSimulator({ $0.orgCount = 1; $0.agentsPerOrg = 10; $0.startAt = .init(hour: 6, minute: 0) },
                                clock: clock) { sim, client in
            let token = try await client.accessToken()
            let now = clock.now()
            let ids = try #require(await sim.truth(org: "us")).agents.map(\.id)
            // Paging: 4 + 4 + 2 users, each page says 10 hits, nobody twice; past the end an empty page.
            var seen: [String] = []
            for (number, size) in [(1, 4), (2, 4), (3, 2), (4, 0)] {
                let page = try await Self.query(client, token, from: now - 3_600_000, to: now, pageSize: 4, pageNumber: number)
                #expect(page.totalHits == 10)
                #expect(page.details.count == size, "page \(number)")
                seen += page.details.map(\.user)
            }
            #expect(seen == ids, "pages in directory order, each user once")
            // Filters: predicates on userId, "or" across them, clauses nested, "and" of two users matches nobody.
            let some = Array(ids.prefix(3))
            let or = #"{"type":"or","predicates":["# + some.map { #"{"dimension":"userId","value":"\#($0)"}"# }
                .joined(separator: ",") + "]}"
            let filtered = try await Self.query(client, token, from: now - 3_600_000, to: now, filter: or)
            #expect(filtered.totalHits == 3 && Set(filtered.details.map(\.user)) == Set(some))
            let nested = #"{"type":"or","clauses":[{"type":"or","predicates":[{"dimension":"userId","value":"\#(ids[5])"}]}]}"#
            #expect(try await Self.query(client, token, from: now - 3_600_000, to: now, filter: nested).details.map(\.user)
                == [ids[5]])
            let and = #"{"type":"and","predicates":[{"dimension":"userId","value":"\#(ids[0])"},"#
                + #"{"dimension":"userId","value":"\#(ids[1])"}]}"#
            #expect(try await Self.query(client, token, from: now - 3_600_000, to: now, filter: and).totalHits == 0)
            // Intervals: a closed past hour gives the records overlapping it, whole (their real starts and ends).
            let from = now - 3 * 3_600_000, to = now - 2 * 3_600_000
            let past = try await Self.query(client, token, from: from, to: to)
            #expect(past.totalHits == 10)
            for d in past.details {
                for r in d.presence + d.routing {
                    #expect(r.start < to && (r.end ?? .max) > from, "\(r) outside [\(from), \(to))")
                }
                #expect(d.routing.contains { ($0.end ?? .max) > to }, "the record running at the end keeps its end")
            }
            // Before the simulated day began (02:00 local), nobody has records.
            let dayStart = Timestamp.startOfDay(now, in: TimeZone(identifier: "America/New_York")!)
            #expect(try await Self.query(client, token, from: dayStart, to: dayStart + 3_600_000).totalHits == 0)
            // The platform's 400s.
            for body in [#"{"paging":{"pageSize":10}}"#,
                         #"{"interval":"\#(Timestamp.format(from))/\#(Timestamp.format(to))","paging":{"pageSize":101}}"#,
                         #"{"interval":"\#(Timestamp.format(from))/\#(Timestamp.format(to))","userFilters":[{"type":"or","predicates":[{"dimension":"queueId","value":"x"}]}]}"#] {
                let reply = try await client.request("POST", "/api/v2/analytics/users/details/query", token: token, json: body)
                #expect(reply.status == 400, "\(body): \(reply.status)")
            }
            // Rate limits and injected faults apply as to every API call.
            try await client.inject("us", "rate-limit", count: 1)
            let limited = try await client.request("POST", "/api/v2/analytics/users/details/query", token: token,
                                                   json: #"{"interval":"\#(Timestamp.format(from))/\#(Timestamp.format(to))"}"#)
            #expect(limited.status == 429 && limited.headers["retry-after"] != nil)
            #expect(limited.headers["inin-ratelimit-allowed"] != nil)
        }
    }
}
