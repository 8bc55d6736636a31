import AsyncHTTPClient
import Foundation
@testable import Simulator
import SwitchboardCore
import Testing

/// Every fault kind, as a plain client sees it.
@Suite("Simulator faults")
struct FaultTests {
    /// A token, a channel subscribed to every agent's activity, and a connected probe.
    static func connected(_ client: SimClient, org: String = "us",
                          _ body: (String, String, WSProbe, inout AsyncStream<String>.Iterator) async throws -> Void)
        async throws
    {
        let token = try await client.accessToken(org: org)
        let ids = try await client.users(token).compactMap { $0["id"] as? String }
        let (channel, uri) = try await client.channel(token)
        _ = try await client.subscribe(token, channel, ids.map { "v2.users.\($0).activity" })
        let probe = WSProbe()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await probe.run(url: uri) }
            var it = probe.incoming.makeAsyncIterator()
            #expect(await next(&it, where: isHeartbeat) != nil)
            try await body(token, channel, probe, &it)
            probe.close()
            try await group.waitForAll()
        }
    }

    @Test func ghostSilencesTheSocketUntilANewOne() async throws {
        try await withSimulator { _, client in
            try await Self.connected(client) { token, channel, probe, it in
                try await client.inject("us", "ghost")
                probe.send(#"{"message":"ping"}"#)
                // Several heartbeat periods of real time: nothing may arrive on the ghost.
                try await Task.sleep(for: .milliseconds(700))
                try await client.inject("us", "close")
                var after: [String] = []
                while let s = await it.next() { after.append(s) }
                // Frames already queued before the fault may trail in (how many depends on how loaded the
                // machine is, so heartbeats are not counted); the ping sent after the fault is never answered.
                #expect(!after.contains { $0.contains("\"pong\"") })
                // A new socket on the same channel works normally.
                let uri = try #require(try await client.request("GET", "/api/v2/notifications/channels", token: token)
                    .json()["entities"].flatMap { ($0 as? [[String: Any]])?.first?["connectUri"] as? String })
                #expect(uri.hasSuffix(channel))
                let fresh = WSProbe()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await fresh.run(url: uri) }
                    var fi = fresh.incoming.makeAsyncIterator()
                    #expect(await next(&fi, where: isHeartbeat) != nil)
                    fresh.send(#"{"message":"ping"}"#)
                    #expect(await next(&fi) { $0.contains("\"pong\"") } != nil)
                    fresh.close()
                    try await group.waitForAll()
                }
            }
            let log = try await client.request("GET", "/_sim/faults").json()
            let faults = try #require(log["faults"] as? [[String: Any]])
            #expect(faults.map { $0["kind"] as? String } == ["ghost", "close"])
            #expect(faults.allSatisfy { $0["at"] is String && $0["realAt"] is String && $0["org"] as? String == "us" })
        }
    }

    @Test func closeIsAbrupt() async throws {
        try await withSimulator { _, client in
            try await Self.connected(client) { _, _, _, it in
                try await client.inject("us", "close")
                #expect(await next(&it) { _ in false } == nil)
            }
        }
    }

    @Test func expireTokenGives401() async throws {
        try await withSimulator { _, client in
            let token = try await client.accessToken(org: "apac")
            let other = try await client.accessToken(org: "us")
            try await client.inject("apac", "expire-token")
            let r = try await client.request("GET", "/api/v2/users", token: token)
            #expect(r.status == 401)
            #expect(try r.json()["code"] as? String == "bad.credentials")
            #expect(try await client.request("GET", "/api/v2/users", token: other).status == 200)
            let fresh = try await client.accessToken(org: "apac")
            #expect(try await client.request("GET", "/api/v2/users", token: fresh).status == 200)
        }
    }

    @Test func rateLimitAndHTTPErrorFaults() async throws {
        try await withSimulator { _, client in
            let token = try await client.accessToken()
            try await client.inject("us", "rate-limit", count: 2)
            for _ in 0..<2 {
                let r = try await client.request("GET", "/api/v2/routing/queues", token: token)
                #expect(r.status == 429)
                #expect(r.headers["retry-after"] == "1")
                #expect(r.headers["inin-ratelimit-allowed"] != nil)
            }
            #expect(try await client.request("GET", "/api/v2/routing/queues", token: token).status == 200)
            try await client.inject("us", "http-error", count: 1, status: 502)
            let e = try await client.request("GET", "/api/v2/routing/queues", token: token)
            #expect(e.status == 502)
            #expect(try e.json()["status"] as? Int == 502)
            #expect(try await client.request("GET", "/api/v2/routing/queues", token: token).status == 200)
        }
    }

    @Test func malformedFrame() async throws {
        try await withSimulator { _, client in
            try await Self.connected(client) { _, _, _, it in
                try await client.inject("us", "malformed")
                let bad = await next(&it) { jsonObject($0) == nil }
                #expect(bad != nil)
                #expect(await next(&it, where: isHeartbeat) != nil)  // the socket stays usable
            }
        }
    }

    @Test func duplicateAndReorder() async throws {
        try await withSimulator({ $0.agentsPerOrg = 60 }) { _, client in
            try await Self.connected(client) { _, _, _, it in
                try await client.inject("us", "duplicate", count: 3)
                var seen: [String] = []
                var duplicated = false
                while !duplicated, let s = await next(&it, where: { $0.contains(".activity\"") }) {
                    duplicated = seen.contains(s)
                    seen.append(s)
                }
                #expect(duplicated)
                try await client.inject("us", "reorder", count: 5)
                // A reordered pair: an event whose times are older than the one delivered before it.
                var previous: EpochMillis = 0
                var reordered = false
                var checked = 0
                while !reordered, checked < 400, let s = await next(&it, where: { $0.contains(".activity\"") }) {
                    checked += 1
                    let body = jsonObject(s)?["eventBody"] as? [String: Any]
                    let r = (body?["routingStatus"] as? [String: Any])?["startTime"] as? String
                    let p = ((body?["presence"] as? [String: Any])?["modifiedDate"]) as? String
                    let at = max(Timestamp.parse(r ?? "") ?? 0, Timestamp.parse(p ?? "") ?? 0)
                    if at < previous { reordered = true }
                    previous = max(previous, at)
                }
                #expect(reordered)
            }
        }
    }

    @Test func moveEndpointChangesTheConnectUri() async throws {
        try await withSimulator { _, client in
            try await Self.connected(client) { token, _, _, it in
                let oldURI = try #require(try await client.request("GET", "/api/v2/notifications/channels", token: token)
                    .json()["entities"].flatMap { ($0 as? [[String: Any]])?.first?["connectUri"] as? String })
                try await client.inject("us", "move-endpoint")
                #expect(await next(&it) { _ in false } == nil)
                let (_, newURI) = try await client.channel(token)
                #expect(newURI.contains("/moved/1/channels/"))
                // The old URI refuses.
                let old = WSProbe()
                try await old.run(url: oldURI)
                var oi = old.incoming.makeAsyncIterator()
                #expect(await oi.next() == nil)
                let fresh = WSProbe()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await fresh.run(url: newURI) }
                    var fi = fresh.incoming.makeAsyncIterator()
                    #expect(await next(&fi, where: isHeartbeat) != nil)
                    fresh.close()
                    try await group.waitForAll()
                }
            }
        }
    }

    @Test func channelExpiryAndTTL() async throws {
        try await withSimulator { _, client in
            try await Self.connected(client) { token, channel, _, it in
                try await client.inject("us", "channel-expiry")
                #expect(await next(&it) { _ in false } == nil)
                #expect(try await client.request("HEAD", "/api/v2/notifications/channels/\(channel)", token: token).status == 404)
                let sub = try await client.subscribe(token, channel, [])
                #expect(sub.status == 404)
            }
        }
        try await withSimulator({ $0.channelTTL = .milliseconds(300) }) { _, client in
            let token = try await client.accessToken()
            let (channel, uri) = try await client.channel(token)
            let probe = WSProbe()
            try await probe.run(url: uri)  // returns when the channel expires and the socket closes
            #expect(try await client.request("HEAD", "/api/v2/notifications/channels/\(channel)", token: token).status == 404)
        }
    }

    @Test func socketClosingThenClose() async throws {
        try await withSimulator({ $0.maintenanceCloseGrace = .milliseconds(300) }) { _, client in
            try await Self.connected(client) { _, _, _, it in
                try await client.inject("us", "socket-closing")
                let closing = await next(&it) { $0.contains("v2.system.socket_closing") }
                #expect(closing.flatMap(jsonObject)?["topicName"] as? String == "v2.system.socket_closing")
                #expect(await next(&it) { _ in false } == nil)
            }
        }
    }
}
