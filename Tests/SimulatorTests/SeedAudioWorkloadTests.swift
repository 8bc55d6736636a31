import AudioConnector
import Foundation
@testable import Simulator
import SwitchboardCore
import Testing

/// The workload's own calls on the seed Audio Connector, and `GET /api/v2/conversations/{id}`.
@Suite(.serialized, .timeLimit(.minutes(2))) struct SeedAudioWorkloadTests {
    @Test func workloadCallsStreamAndTheirConversationsCanBeLookedUp() async throws {
        try await withSimulator({ o in
            o.orgCount = 1
            o.agentsPerOrg = 20
            o.startAt = .init(hour: 6, minute: 0)
        }) { sim, client in
            let token = try await client.accessToken()
            try await withSeedProbes(client, token: token) { connect in
                let p = try await connect(nil)
                p.send(SeedAudioConnectorTests.subscribe(queue: nil, rate: 8000))
                // A call of the workload: metadata, then audio.
                try await eventually("a workload call streams", seconds: 60) {
                    p.messages.contains { m in
                        guard case .interaction(let i) = m else { return false }
                        return p.frames(of: i.interactionId).count >= 3
                    }
                }
                let meta = try #require(p.messages.compactMap { m -> SeedInteraction? in
                    if case .interaction(let i) = m, p.frames(of: i.interactionId).count >= 3 { return i }
                    return nil
                }.first)
                let queues = try await client.queues(token).compactMap { $0["id"] as? String }
                let users = try await client.users(token).compactMap { $0["id"] as? String }
                #expect(meta.direction == .inbound && meta.channels == ["customer", "agent"])
                #expect(queues.contains(meta.queueId ?? "-") && users.contains(meta.agentId ?? "-"))

                // The same conversation over REST, in the platform's shape.
                let reply = try await client.request("GET", "/api/v2/conversations/\(meta.interactionId)", token: token)
                #expect(reply.status == 200, "\(reply.text)")
                #expect(try SdkSchemaTests.check(Array(reply.body), as: "Conversation", "GET /api/v2/conversations/{id}").isEmpty)
                let conv = try reply.json()
                #expect(conv["id"] as? String == meta.interactionId)
                #expect((conv["startTime"] as? String).flatMap(Timestamp.parse) == meta.startTime)
                let participants = try #require(conv["participants"] as? [[String: Any]])
                let purposes = participants.compactMap { $0["purpose"] as? String }
                #expect(purposes.contains("customer") && purposes.contains("acd") && purposes.contains("agent"))
                let agent = try #require(participants.first { $0["purpose"] as? String == "agent" && $0["userId"] as? String == meta.agentId })
                #expect(agent["queueId"] as? String == meta.queueId)
                let call = try #require((agent["calls"] as? [[String: Any]])?.first)
                #expect(call["direction"] as? String == "inbound" && call["state"] as? String == "connected")

                // Its seed session is in the truth.
                let truth = try await client.request("GET", "/_sim/truth?org=us").json()
                let speech = try #require(truth["speech"] as? [[String: Any]])
                #expect(speech.contains { $0["session"] as? String == "seed/" + meta.interactionId })
            }

            // An ended conversation is still found; an unknown one is a platform 404.
            let ended = try #require(await waitForEndedConversation(sim))
            let reply = try await client.request("GET", "/api/v2/conversations/\(ended)", token: token)
            #expect(reply.status == 200)
            #expect(try reply.json()["endTime"] is String)
            #expect(try SdkSchemaTests.check(Array(reply.body), as: "Conversation", "an ended conversation").isEmpty)
            let missing = try await client.request("GET", "/api/v2/conversations/7b2c3d4e-0000-4000-8000-00000000dead",
                                                   token: token)
            #expect(missing.status == 404)
            #expect(try missing.json()["code"] as? String == "not.found")
            #expect(try SdkSchemaTests.check(Array(missing.body), as: "ErrorBody", "404").isEmpty)
            #expect(try await client.request("GET", "/api/v2/conversations/\(ended)").status == 401)
            await sim.inject(.deny(permission: "conversation:communication:view"), org: "us")
            #expect(try await client.request("GET", "/api/v2/conversations/\(ended)", token: token).status == 403)
        }
    }

    func waitForEndedConversation(_ sim: GenesysSimulator) async -> String? {
        for _ in 0..<1500 {
            let id = sim.orgByID["us"]!.with { $0.model.endedOrder.last }
            if let id { return id }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}
