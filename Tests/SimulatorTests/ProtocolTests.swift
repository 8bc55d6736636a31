import AsyncHTTPClient
import Foundation
@testable import Simulator
import SwitchboardCore
import Testing

@Suite("Simulator protocol over real sockets")
struct ProtocolTests {
    @Test func tokenChannelSubscribeHeartbeatAndEvents() async throws {
        try await withSimulator { _, client in
            let token = try await client.accessToken(org: "emea")
            let users = try await client.users(token)
            #expect(users.count == 20)
            let first = try #require(users.first)
            #expect(first["name"] is String)
            #expect(first["state"] as? String == "active")
            #expect((first["presence"] as? [String: Any])?["presenceDefinition"] != nil)
            let queues = try await client.queues(token)
            let queueID = try #require(queues.first?["id"] as? String)
            let (channel, uri) = try await client.channel(token)
            #expect(uri.hasPrefix("ws://127.0.0.1:"))
            #expect(uri.hasSuffix("/channels/\(channel)"))
            var topics = users.compactMap { $0["id"] as? String }.flatMap {
                ["v2.users.\($0).activity", "v2.users.\($0).routingStatus", "v2.users.\($0).presence",
                 "v2.users.\($0).conversations"]
            }
            topics.append("v2.analytics.queues.\(queueID).observations")
            let sub = try await client.subscribe(token, channel, topics)
            #expect(sub.status == 200)
            let entities = try #require(try sub.json()["entities"] as? [[String: Any]])
            #expect(entities.count == topics.count)
            #expect(entities.allSatisfy { $0["state"] as? String == "Permitted" })

            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await probe.run(url: uri) }
                var it = probe.incoming.makeAsyncIterator()
                let hb = await next(&it, where: isHeartbeat)
                let heartbeat = try #require(hb.flatMap(jsonObject))
                #expect(heartbeat["topicName"] as? String == "channel.metadata")
                let activity = await next(&it) { $0.contains(".activity\"") }
                let env = try #require(activity.flatMap(jsonObject))
                #expect(env["version"] as? String == "2")
                #expect((env["metadata"] as? [String: Any])?["CorrelationId"] is String)
                let body = try #require(env["eventBody"] as? [String: Any])
                #expect(body["routingStatus"] != nil && body["presence"] != nil)
                let obs = await next(&it) { $0.contains(".observations\"") }
                let obsBody = try #require(obs.flatMap(jsonObject)?["eventBody"] as? [String: Any])
                #expect((obsBody["group"] as? [String: Any])?["queueId"] as? String == queueID)
                let conv = await next(&it) { $0.contains(".conversations\"") }
                let convBody = try #require(conv.flatMap(jsonObject)?["eventBody"] as? [String: Any])
                #expect((convBody["participants"] as? [[String: Any]])?.isEmpty == false)
                probe.send(#"{"message":"ping"}"#)
                let pong = await next(&it) { $0.contains("\"pong\"") }
                #expect(pong != nil)
                probe.close()
                try await group.waitForAll()
            }
        }
    }

    @Test func oauthErrorsAndStaleTokens() async throws {
        try await withSimulator({ $0.tokenLifetime = 1 }) { _, client in
            let bad = try await client.token(org: "us", secret: "wrong")
            #expect(bad.status == 401)
            #expect(try bad.json()["error"] as? String == "invalid_client")
            let good = try await client.token(org: "apac")
            let j = try good.json()
            #expect(j["token_type"] as? String == "bearer")
            #expect(j["expires_in"] as? Int == 1)
            let noAuth = try await client.request("GET", "/api/v2/users", token: "nonsense")
            #expect(noAuth.status == 401)
            #expect(try noAuth.json()["code"] as? String == "bad.credentials")
            #expect(noAuth.headers["inin-correlation-id"] != nil)
        }
    }

    @Test func rateLimitHeadersAnd429() async throws {
        try await withSimulator({ $0.rateLimitPerMinute = 3 }) { _, client in
            let token = try await client.accessToken()
            for i in 1...3 {
                let r = try await client.request("GET", "/api/v2/routing/queues", token: token)
                #expect(r.status == 200)
                #expect(r.headers["inin-ratelimit-count"] == "\(i)")
                #expect(r.headers["inin-ratelimit-allowed"] == "3")
                #expect(Int(r.headers["inin-ratelimit-reset"] ?? "") != nil)
            }
            let limited = try await client.request("GET", "/api/v2/routing/queues", token: token)
            #expect(limited.status == 429)
            #expect(try limited.json()["code"] as? String == "too.many.requests.retry.after")
            #expect(Int(limited.headers["retry-after"] ?? "") ?? 0 >= 1)
            // A second token has its own budget.
            let other = try await client.accessToken()
            #expect(try await client.request("GET", "/api/v2/routing/queues", token: other).status == 200)
        }
    }

    @Test func directoryPaging() async throws {
        try await withSimulator({ $0.agentsPerOrg = 60; $0.queuesPerOrg = 3 }) { _, client in
            let token = try await client.accessToken()
            let p1 = try await client.request("GET", "/api/v2/users?pageSize=25&pageNumber=3", token: token).json()
            #expect(p1["total"] as? Int == 60)
            #expect(p1["pageCount"] as? Int == 3)
            #expect((p1["entities"] as? [Any])?.count == 10)
            let plain = try #require((p1["entities"] as? [[String: Any]])?.first)
            #expect(plain["presence"] == nil)
            #expect(try await client.request("GET", "/api/v2/users?pageSize=501", token: token).status == 400)
            let queues = try await client.queues(token)
            #expect(queues.count == 3)
            var members = 0
            for q in queues {
                let id = try #require(q["id"] as? String)
                let page = try await client.request("GET", "/api/v2/routing/queues/\(id)/members?pageSize=500", token: token).json()
                let entities = try #require(page["entities"] as? [[String: Any]])
                #expect(entities.count == q["memberCount"] as? Int)
                #expect(entities.allSatisfy { ($0["user"] as? [String: Any])?["id"] is String && $0["joined"] as? Bool == true })
                members += entities.count
            }
            #expect(members >= 60)
        }
    }

    @Test func channelLimitEvictsOldest() async throws {
        try await withSimulator { _, client in
            let token = try await client.accessToken()
            // Unconnected channels are evicted first.
            let (spare, _) = try await client.channel(token)
            for _ in 0..<19 { _ = try await client.channel(token) }
            _ = try await client.channel(token)  // the 21st
            #expect(try await client.request("HEAD", "/api/v2/notifications/channels/\(spare)", token: token).status == 404)
            // Connect all 20; the 21st then evicts the least recently used connected channel.
            let uris = try await client.request("GET", "/api/v2/notifications/channels", token: token).json()
            let listed = try #require(uris["entities"] as? [[String: Any]])
            #expect(listed.count == 20)
            let probes = listed.map { _ in WSProbe() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                var iterators: [AsyncStream<String>.Iterator] = []
                for (i, ch) in listed.enumerated() {
                    let uri = try #require(ch["connectUri"] as? String)
                    let probe = probes[i]
                    group.addTask { try await probe.run(url: uri) }
                    var it = probe.incoming.makeAsyncIterator()
                    #expect(await next(&it, where: isHeartbeat) != nil)
                    iterators.append(it)
                }
                let oldestID = try #require(listed.first?["id"] as? String)
                _ = try await client.channel(token)
                var first = iterators[0]
                let evicted = await next(&first) { $0.contains("v2.system.no_longer_subscribed") }
                let body = try #require(evicted.flatMap(jsonObject)?["eventBody"] as? [String: Any])
                #expect(body["reason"] as? String == "another_channel_subscribed")
                #expect(body["channelId"] as? String == oldestID)
                #expect(await next(&first) { _ in false } == nil)  // then the socket closes
                #expect(try await client.request("HEAD", "/api/v2/notifications/channels/\(oldestID)", token: token).status == 404)
                for p in probes { p.close() }
                try await group.waitForAll()
            }
        }
    }

    @Test func topicLimitAndRejections() async throws {
        try await withSimulator({ $0.agentsPerOrg = 260 }) { _, client in
            let token = try await client.accessToken()
            let ids = try await client.users(token).compactMap { $0["id"] as? String }
            let all = ids.flatMap { ["v2.users.\($0).activity", "v2.users.\($0).presence", "v2.users.\($0).routingStatus",
                                     "v2.users.\($0).conversations"] }
            #expect(all.count == 1040)
            let (channel, _) = try await client.channel(token)
            #expect(try await client.subscribe(token, channel, Array(all.prefix(1000))).status == 200)
            let over = try await client.subscribe(token, channel, [all[1000]])
            #expect(over.status == 400)
            #expect(try over.json()["code"] as? String == "bad.request")
            // PUT replaces: 1,000 others is fine.
            #expect(try await client.subscribe(token, channel, Array(all.suffix(1000)), put: true).status == 200)
            let got = try await client.request("GET", "/api/v2/notifications/channels/\(channel)/subscriptions", token: token).json()
            #expect((got["entities"] as? [Any])?.count == 1000)
            let unknown = try await client.subscribe(token, channel, ["v2.users.nobody.activity"])
            #expect(unknown.status == 400)
            let lenient = try await client.request(
                "POST", "/api/v2/notifications/channels/\(channel)/subscriptions?ignoreErrors=true", token: token,
                json: #"[{"id":"v2.users.nobody.activity"}]"#)
            let rejected = try #require(try lenient.json()["entities"] as? [[String: Any]])
            #expect(rejected.contains { $0["state"] as? String == "Rejected" })
            let del = try await client.request("DELETE", "/api/v2/notifications/channels/\(channel)/subscriptions", token: token)
            #expect(del.status == 204)
        }
    }

    @Test func secondSocketDropsTheFirst() async throws {
        try await withSimulator { _, client in
            let token = try await client.accessToken()
            let (_, uri) = try await client.channel(token)
            let a = WSProbe(), b = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await a.run(url: uri) }
                var ia = a.incoming.makeAsyncIterator()
                #expect(await next(&ia, where: isHeartbeat) != nil)
                group.addTask { try await b.run(url: uri) }
                var ib = b.incoming.makeAsyncIterator()
                #expect(await next(&ib, where: isHeartbeat) != nil)
                #expect(await next(&ia) { _ in false } == nil)  // the first socket was closed
                #expect(await next(&ib, where: isHeartbeat) != nil)
                b.close()
                a.close()
                try await group.waitForAll()
            }
        }
    }
}
