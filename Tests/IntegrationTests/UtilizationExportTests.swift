import Foundation
import SwitchboardCore
import Testing

/// Utilization through the whole bridge: the snapshot carries `utilization`, and
/// `GET /v1/utilization` exports it as JSON and CSV, scoped like the stream.
// A hang (a lost wake-up, a socket never closed) must fail this suite, not stall CI for 90 minutes.
@Suite(.serialized, .timeLimit(.minutes(3))) struct UtilizationExportTests {
    @Test func snapshotAndExportsCarryUtilization() async throws {
        try await BridgeEndToEndTests.withDemo(agents: 6, speed: 20, startAt: .init(hour: 6, minute: 0)) { demo in
            #expect(await eventually("utilization in the org:us snapshot") {
                guard let (_, body) = try? await BridgeEndToEndTests.get("\(demo.bridgeBase)/v1/views/org:us", token: "demo-global"),
                      let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                      let data = json["data"] as? [String: Any] else { return false }
                return ((data["utilization"] as? [[String: Any]]) ?? []).contains { !(($0["intervals"] as? [Any]) ?? []).isEmpty }
            })
            let base = "\(demo.bridgeBase)/v1/utilization"
            let (status, body) = try await BridgeEndToEndTests.get("\(base)?org=us&format=json", token: "demo-global")
            #expect(status == 200)
            let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            let rows = try #require(json["rows"] as? [[String: Any]])
            #expect(!rows.isEmpty)
            for row in rows {
                #expect(row["org"] as? String == "us")
                #expect(row["timeZone"] as? String == "America/New_York")
                let start = try #require(row["intervalStart"] as? String)
                #expect(start.hasSuffix("-04:00") || start.hasSuffix("-05:00"), "\(start)")
                let count = (row["handleCount"] as? NSNumber)?.int64Value ?? 0
                if count > 0 {
                    #expect((row["ahtMs"] as? NSNumber)?.int64Value == ((row["tHandleMs"] as? NSNumber)?.int64Value ?? 0) / count)
                }
                #expect(!(row["agentName"] as? String ?? "").isEmpty)
            }
            // CSV: BOM, header, one line per row, CRLF, same row count.
            let (csvStatus, csvBody) = try await BridgeEndToEndTests.get("\(base)?org=us&format=csv", token: "demo-global")
            #expect(csvStatus == 200)
            let text = String(decoding: csvBody, as: UTF8.self)
            #expect(text.hasPrefix("\u{FEFF}org,timeZone,agentId,agentName,intervalStart,intervalEnd,tHandleMs,handleCount,ahtMs,tTalkMs,tHeldMs,tAcwMs,nConnected,open\r\n"))
            let lines = text.split(separator: "\r\n", omittingEmptySubsequences: true)
            #expect(lines.count >= 2)
            #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("us,America/New_York,us/") })
            // A window: only intervals starting inside it.
            let first = try #require(rows.compactMap { $0["intervalStart"] as? String }.min { Timestamp.parse($0)! < Timestamp.parse($1)! })
            let from = Timestamp.parse(first)! + 30 * 60_000
            let windowed = try await BridgeEndToEndTests.get(
                "\(base)?org=us&from=\(Timestamp.format(from))&format=json", token: "demo-global")
            let wrows = (try JSONSerialization.jsonObject(with: windowed.body) as? [String: Any])?["rows"] as? [[String: Any]] ?? []
            #expect(wrows.allSatisfy { Timestamp.parse($0["intervalStart"] as? String ?? "")! >= from })
            #expect(wrows.count < rows.count)
            // Scoped like the stream.
            #expect(try await BridgeEndToEndTests.get("\(base)?org=us", token: "demo-emea").status == 403)
            #expect(try await BridgeEndToEndTests.get("\(base)?org=us").status == 401)
            #expect(try await BridgeEndToEndTests.get("\(base)?org=emea&format=csv", token: "demo-emea").status == 200)
            #expect(try await BridgeEndToEndTests.get("\(base)?format=xml", token: "demo-global").status == 400)
            // Per queue: the platform's queueId grouping; every handle counts in one queue, so the queue rows add
            // up to the agent rows (compared on one snapshot of each, retried until a poll does not fall between).
            #expect(await eventually("queue rows add up to agent rows") {
                func sum(_ by: String) async -> (Int64, Int)? {
                    guard let (_, b) = try? await BridgeEndToEndTests.get("\(base)?org=us&by=\(by)", token: "demo-global"),
                          let rows = (try? JSONSerialization.jsonObject(with: b) as? [String: Any])?["rows"] as? [[String: Any]]
                    else { return nil }
                    return (rows.reduce(0) { $0 + (($1["tHandleMs"] as? NSNumber)?.int64Value ?? 0) }, rows.count)
                }
                guard let agents = await sum("agent"), let queues = await sum("queue") else { return false }
                return queues.1 > 0 && agents.0 == queues.0
            })
            let (_, qBody) = try await BridgeEndToEndTests.get("\(base)?org=us&by=queue", token: "demo-global")
            let qRows = (try JSONSerialization.jsonObject(with: qBody) as? [String: Any])?["rows"] as? [[String: Any]] ?? []
            #expect(qRows.allSatisfy { ($0["queueId"] as? String)?.hasPrefix("us/") == true && !($0["queueName"] as? String ?? "").isEmpty })
            let qCSV = String(decoding: try await BridgeEndToEndTests.get("\(base)?org=us&by=queue&format=csv", token: "demo-global").body,
                              as: UTF8.self)
            #expect(qCSV.hasPrefix("\u{FEFF}org,timeZone,queueId,queueName,intervalStart,"))
            #expect(try await BridgeEndToEndTests.get("\(base)?org=us&by=skill", token: "demo-global").status == 400)
        }
    }
}
