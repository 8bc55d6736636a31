import Foundation
import SwitchboardCore
import Testing

/// Quality through the whole bridge: the snapshot carries `quality`, and `GET /v1/quality` exports it
/// (JSON and CSV), scoped like the stream.
// A hang (a lost wake-up, a socket never closed) must fail this suite, not stall CI for 90 minutes.
@Suite(.serialized, .timeLimit(.minutes(3))) struct QualityExportTests {
    @Test func snapshotAndExportsCarryQuality() async throws {
        try await BridgeEndToEndTests.withDemo(agents: 10, speed: 20, startAt: .init(hour: 9, minute: 0)) { demo in
            #expect(await eventually("quality in the org:us snapshot") {
                guard let (_, body) = try? await BridgeEndToEndTests.get("\(demo.bridgeBase)/v1/views/org:us", token: "demo-global"),
                      let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                      let data = json["data"] as? [String: Any] else { return false }
                return ((data["quality"] as? [[String: Any]]) ?? []).contains { $0["type"] as? String == "agent" }
            })
            let base = "\(demo.bridgeBase)/v1/quality"
            let (status, body) = try await BridgeEndToEndTests.get("\(base)?org=us", token: "demo-global")
            #expect(status == 200)
            let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            let rows = try #require(json["rows"] as? [[String: Any]])
            #expect(!rows.isEmpty)
            for row in rows {
                #expect(row["org"] as? String == "us")
                let count = (row["count"] as? NSNumber)?.intValue ?? 0
                #expect(count > 0, "zero counts are not exported")
                if count < 3 {
                    #expect(row["status"] as? String == "insufficient-data")
                    #expect(row["averageScore"] is NSNull)
                } else {
                    #expect(row["status"] as? String == "ok")
                    #expect(row["averageScore"] is NSNumber)
                }
            }
            let orgs = try #require(json["orgs"] as? [[String: Any]])
            #expect(orgs.first?["lastUpdatedAt"] is String)
            #expect(orgs.first?["lagNote"] is String)
            let (csvStatus, csvBody) = try await BridgeEndToEndTests.get("\(base)?org=us&format=csv", token: "demo-global")
            #expect(csvStatus == 200)
            let text = String(decoding: csvBody, as: UTF8.self)
            #expect(text.hasPrefix("\u{FEFF}org,timeZone,agentId,agentName,formId,formName,count,status,averageScore,averageCriticalScore,passRate,lastUpdatedAt\r\n"))
            #expect(text.split(separator: "\r\n").count == rows.count + 1)
            #expect(try await BridgeEndToEndTests.get("\(base)?org=us", token: "demo-emea").status == 403)
            #expect(try await BridgeEndToEndTests.get(base).status == 401)
            // Per queue: the same rules, one row per queue and form, queue names joined by id.
            let (qStatus, qBody) = try await BridgeEndToEndTests.get("\(base)?org=us&by=queue", token: "demo-global")
            #expect(qStatus == 200)
            let qRows = try #require((try JSONSerialization.jsonObject(with: qBody) as? [String: Any])?["rows"] as? [[String: Any]])
            #expect(!qRows.isEmpty)
            for row in qRows {
                #expect((row["queueId"] as? String)?.hasPrefix("us/") == true && row["agentId"] == nil)
                #expect(!(row["queueName"] as? String ?? "").isEmpty)
                #expect(!(row["formName"] as? String ?? "").isEmpty, "form names from the published forms")
                if row["status"] as? String == "insufficient-data" { #expect(row["averageScore"] is NSNull) }
            }
            let qCSV = String(decoding: try await BridgeEndToEndTests.get("\(base)?org=us&by=queue&format=csv", token: "demo-us").body,
                              as: UTF8.self)
            #expect(qCSV.hasPrefix("\u{FEFF}org,timeZone,queueId,queueName,formId,formName,count,status,"))
            #expect(try await BridgeEndToEndTests.get("\(base)?org=us&by=team", token: "demo-global").status == 400)
        }
    }
}
