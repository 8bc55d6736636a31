import Audio
import Foundation
import Logging
import ServiceLifecycle
@testable import Simulator
import SwitchboardCore
import Testing

@Suite(.serialized) struct AudioHookClientTests {
    static let credentials = AudioHookCredentials(
        apiKey: Secret("sim-test-api-key"), clientSecret: Secret(Data((1...32).map { UInt8($0) }).base64EncodedString()))
    static let conversation = "7b2c3d4e-0000-4000-8000-000000000004"

    static func connected(_ conversation: String = conversation) -> SimCallAudioEvent {
        SimCallAudioEvent(conversationId: conversation,
                          kind: .connected(participantId: "8b2c3d4e-0000-4000-8000-000000000005", ani: "tel:+15551234567",
                                           dnis: "tel:+18005550100"))
    }

    static func types(_ texts: [String]) -> [String] { texts.compactMap { SimAudioHookWire.parse($0)?.type } }

    @Test func aSessionFollowsTheCall() async throws {
        let server = AudioHookTestServer(credentials: Self.credentials)
        try await withAudioHookLoopback(server: server) { client, _ in
            client.deliver(org: "us", events: [Self.connected()])
            try await eventually("5 frames arrived") { (server.sessions.first?.frames.count ?? 0) >= 5 }
            client.deliver(org: "us", events: [.init(conversationId: Self.conversation, kind: .paused)])
            // Paused long enough for a ping (every 400 ms here) to arrive while paused.
            try await eventually("a ping while paused") {
                let t = Self.types(server.sessions.first?.texts ?? [])
                return t.firstIndex(of: "paused").map { t[$0...].contains("ping") } ?? false
            }
            let before = server.sessions.first!.frames.count
            client.deliver(org: "us", events: [.init(conversationId: Self.conversation, kind: .resumed)])
            try await eventually("3 frames after resuming") { server.sessions.first!.frames.count >= before + 3 }
            client.deliver(org: "us", events: [.init(conversationId: Self.conversation, kind: .ended)])
            try await eventually("the socket closed") { server.sessions.first!.socketClosed }

            let received = try #require(server.sessions.first)
            #expect(received.upgrade == "ok")
            #expect(received.frames.allSatisfy { $0 == 3200 }, "200 ms of stereo PCMU per frame")
            let messages = try received.texts.map { try AudioHookMessage.decode($0) }
            #expect(messages.map(\.seq) == Array(1...messages.count))
            guard case .open(let open) = messages.first?.parameters else { Issue.record("first is not open"); return }
            #expect(open.conversationId == Self.conversation)
            #expect(open.organizationId == "1b2c3d4e-0000-4000-8000-00000000000a")
            #expect(open.participant.ani == "tel:+15551234567" && open.participant.dnis == "tel:+18005550100")
            #expect(open.media == [AudioMedia(format: .pcmu, channels: [.external, .internal], rate: 8000)])
            let types = messages.map(\.type.rawValue)
            #expect(types.first == "open" && types.last == "close")
            #expect(types.contains("ping") && types.contains("paused") && types.contains("resumed"))
            let paused = try #require(messages.first { $0.type == .paused })
            let resumed = try #require(messages.first { $0.type == .resumed })
            guard case .resumed(let gap) = resumed.parameters else { Issue.record("no resumed"); return }
            #expect(gap.start == paused.position)
            #expect(gap.discarded.nanoseconds % 200_000_000 == 0 && gap.discarded.nanoseconds >= 400_000_000)
            // serverseq follows what the server sent (opened, pongs).
            #expect(messages.last!.serverseq! >= 1)

            let truth = try #require(client.sessions(org: "us").first)
            #expect(truth.state == "closed")
            #expect(truth.conversationId == Self.conversation)
            #expect(truth.analysedMs == Int64(received.frames.count) * 200)
            #expect(truth.gapMs == gap.discarded.nanoseconds / 1_000_000)
            #expect(truth.customer.talkMs + truth.agent.talkMs - truth.overtalkMs + truth.silenceMs == truth.analysedMs)
            #expect(truth.customer.overtalkMs + truth.agent.overtalkMs == truth.overtalkMs)
            #expect(truth.faults.isEmpty)
        }
    }

    @Test func noOpenedInTimeIsAFailure() async throws {
        let server = AudioHookTestServer(credentials: Self.credentials, answerOpen: false)
        try await withAudioHookLoopback(server: server, openedTimeout: .milliseconds(300)) { client, _ in
            client.deliver(org: "us", events: [Self.connected()])
            try await eventually("the client gave up") { server.sessions.first?.socketClosed == true }
            let truth = try #require(client.sessions(org: "us").first)
            #expect(truth.state == "failed")
            #expect(truth.detail?.hasPrefix("opened-timeout") == true)
            #expect(server.sessions.first?.frames.isEmpty == true)
            #expect(Self.types(server.sessions.first!.texts) == ["open"])
        }
    }

    @Test func upgradeFaultsAreRefusedByTheVerifier() async throws {
        let server = AudioHookTestServer(credentials: Self.credentials)
        try await withAudioHookLoopback(server: server) { client, _ in
            _ = client.enqueue(.badSignature, org: "us")
            client.deliver(org: "us", events: [Self.connected("7b2c3d4e-0000-4000-8000-000000000001")])
            try await eventually("refused") { client.sessions(org: "us").first?.state == "refused" }
            #expect(server.sessions.first?.upgrade == "audiohook.auth.signature-mismatch")
            #expect(client.sessions(org: "us").first?.faults == ["audiohook-bad-signature"])

            client.deliver(org: "us", events: [Self.connected("7b2c3d4e-0000-4000-8000-000000000002")])
            try await eventually("a good session opened") { client.sessions(org: "us").count == 2 && client.sessions(org: "us")[1].state == "open" }
            _ = client.enqueue(.replayNonce, org: "us")
            client.deliver(org: "us", events: [Self.connected("7b2c3d4e-0000-4000-8000-000000000003")])
            try await eventually("the replay refused") { client.sessions(org: "us").count == 3 && client.sessions(org: "us")[2].state == "refused" }
            #expect(server.sessions.map(\.upgrade) == ["audiohook.auth.signature-mismatch", "ok", "audiohook.auth.nonce-replayed"])
            #expect(client.sessions(org: "us")[2].faults == ["audiohook-replay-nonce"])
        }
    }

    @Test func streamFaultsShowOnTheWire() async throws {
        let server = AudioHookTestServer(credentials: Self.credentials)
        try await withAudioHookLoopback(server: server) { client, _ in
            client.deliver(org: "us", events: [Self.connected()])
            try await eventually("streaming") { (server.sessions.first?.frames.count ?? 0) >= 2 }
            for fault in [SimAudioHookFault.oddFrame, .malformedJSON, .unknownType] {
                #expect(client.enqueue(fault, org: "us").hasPrefix("taken by session"))
            }
            try await eventually("the faults were sent") { client.sessions(org: "us").first?.faults.count == 3 }
            func decodeErrors(_ texts: [String]) -> [String] {
                var errors: [String] = []
                for text in texts {
                    do throws(AudioHookError) { _ = try AudioHookMessage.decode(text) } catch { errors.append(error.code) }
                }
                return errors
            }
            try await eventually("the odd frame and both bad messages arrived") {
                server.sessions.first!.frames.contains(3199) && decodeErrors(server.sessions.first!.texts).count == 2
            }
            let received = server.sessions.first!
            #expect(received.frames.filter { $0 != 3200 } == [3199])
            #expect(decodeErrors(received.texts) == ["audiohook.malformed-json", "audiohook.unknown-type"])

            // Dropped mid-call: the socket closes without close.
            _ = client.enqueue(.drop, org: "us")
            try await eventually("dropped") { server.sessions.first!.socketClosed }
            #expect(!Self.types(server.sessions.first!.texts).contains("close"))
            let truth = try #require(client.sessions(org: "us").first)
            #expect(truth.state == "dropped")
            #expect(truth.faults == ["audiohook-odd-frame", "audiohook-malformed", "audiohook-unknown-type", "audiohook-drop"])
        }
    }

    @Test func onlyTheShareOfCallsIsMonitored() {
        let ids = (0..<2000).map { _ in UUID().uuidString.lowercased() }
        let picked = ids.filter { SimAudioHookClient.monitored($0, seed: 1, share: 0.5) }.count
        #expect((800...1200).contains(picked))
        #expect(ids.allSatisfy { SimAudioHookClient.monitored($0, seed: 1, share: 1) })
        #expect(!ids.contains { SimAudioHookClient.monitored($0, seed: 1, share: 0) })
    }
}

@Suite(.serialized) struct SimulatorAudioHookTests {
    @Test func workloadCallsStreamAndShowInTheTruth() async throws {
        let server = AudioHookTestServer(credentials: AudioHookClientTests.credentials)
        var logger = Logger(label: "audiohook-sim-test")
        logger.logLevel = .warning
        let app = server.application()
        let serverGroup = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await serverGroup.run() }
            try await withSimulator({ $0.audioHookShare = 1; $0.orgCount = 1 }) { sim, client in
                var port: Int?
                for _ in 0..<500 where port == nil {
                    port = server.listening.withLock { $0 }
                    if port == nil { try await Task.sleep(for: .milliseconds(10)) }
                }
                sim.setAudioHookTarget(url: "ws://127.0.0.1:\(try #require(port))/audiohook/v1", credentials: [
                    "us": SimAudioHookCredentials(apiKey: AudioHookClientTests.credentials.apiKey,
                                                  clientSecret: AudioHookClientTests.credentials.clientSecret),
                ])
                try await eventually("a workload call streams", seconds: 30) { server.sessions.contains { $0.frames.count >= 2 } }
                let streamed = try #require(server.sessions.first { $0.frames.count >= 2 })
                guard case .open(let open) = try AudioHookMessage.decode(streamed.texts[0]).parameters else {
                    Issue.record("first message is not open")
                    return
                }
                #expect(open.organizationId == sim.organizationID(org: "us"))
                let reply = try await client.request("GET", "/_sim/truth?org=us")
                let truth = try JSONDecoder().decode(SimTruth.self, from: reply.body)
                let session = try #require(truth.speech.first { $0.conversationId == open.conversationId })
                #expect(session.org == "us")
                #expect(["open", "closed"].contains(session.state))
                // The organization the session names is the one the REST API reports.
                let token = try await client.token().json()["access_token"] as? String
                let me = try await client.request("GET", "/api/v2/organizations/me", token: token).json()
                #expect(me["id"] as? String == open.organizationId)
                #expect(me["thirdPartyOrgName"] as? String != nil)
            }
            await serverGroup.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
