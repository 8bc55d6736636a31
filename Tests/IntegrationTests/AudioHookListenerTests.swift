import Audio
import Foundation
import SwitchboardCore
import Testing

/// AudioHook Monitor over real sockets: the listener's `/audiohook/v1` with the gate, the signed
/// upgrade, the session protocol and the speech events.
@Suite("AudioHook listener", .serialized)
struct AudioHookListenerTests {
    static func open(_ sessionId: String, _ conversationId: String) -> AudioHookMessage.Parameters {
        .open(.init(organizationId: AudioHookHarness.organizationId, conversationId: conversationId,
                    participant: .init(id: "b0000000-0000-4000-8000-000000000001", ani: "tel:+15551230000", dnis: "tel:+15559870000"),
                    media: [.pcmuStereo]))
    }

    @Test func aFullSessionIsAnsweredAndAnalysed() async throws {
        try await AudioHookHarness.run { h in
            let session = UUID().uuidString.lowercased()
            let conversation = UUID().uuidString.lowercased()
            // The customer talks 0–2 s, the agent cuts in at 1.6 until 3 s; then a pause of which 1 s is
            // discarded; then 1 s of silence.
            let before = CallAudio.frames(CallAudio.pcmu(seconds: 3, external: [(0, 2)], internal: [(1.6, 3)]))
            let after = CallAudio.frames(CallAudio.pcmu(seconds: 1, external: [], internal: []))
            try await AudioHookScript.connect(port: h.port, sessionId: session, headers: h.headers(sessionId: session)) { s in
                try await s.send(Self.open(session, conversation))
                let opened = try await s.read()
                #expect(opened["type"] as? String == "opened", "\(opened)")
                #expect(opened["clientseq"] as? Int == 1)
                let params = try #require(opened["parameters"] as? [String: Any])
                let media = try #require((params["media"] as? [[String: Any]])?.first)
                #expect(media["format"] as? String == "PCMU")
                for frame in before { try await s.audio(frame) }
                try await s.send(.ping(.init()))
                let pong = try await s.read()
                #expect(pong["type"] as? String == "pong")
                #expect(pong["clientseq"] as? Int == s.seq)
                try await s.send(.paused)
                let pausedAt = AudioHookDuration(samples: s.position, rate: 8000)
                s.position += 8000
                try await s.send(.resumed(.init(start: pausedAt, discarded: AudioHookDuration(milliseconds: 1_000))))
                for frame in after { try await s.audio(frame) }
                try await s.send(.close(.init(reason: "end")))
                let closed = try await s.read()
                #expect(closed["type"] as? String == "closed")
            }
            try await h.settled()
            let events = h.sink.events(session: session)
            guard case .opened(let o) = events.first else { Issue.record("no opened: \(events)"); return }
            #expect(o.org == "us")
            #expect(o.conversationID == conversation)
            #expect(o.openedAt == AudioHookHarness.openedAt)
            #expect(o.channels == [.customer, .agent])
            #expect(o.ani == "tel:+15551230000")
            let progress = events.compactMap { if case .progress(let p) = $0 { p } else { nil } }
            #expect(progress.contains { $0.paused })
            #expect(progress.last?.paused == false)
            // Cumulative: figures never go down.
            #expect(zip(progress, progress.dropFirst()).allSatisfy { $0.metrics.analysedMs <= $1.metrics.analysedMs })
            let ends = events.compactMap { if case .ended(let e) = $0 { e } else { nil } }
            #expect(ends.count == 1)
            guard case .ended(let e) = events.last else { Issue.record("not ended last: \(events)"); return }
            #expect(e.reason == "completed")
            let m = e.metrics
            #expect(m.analysedMs == 4_000)
            #expect(m.gapMs == 1_000)
            #expect(m.customer?.talkMs == 2_000)
            #expect(m.agent?.talkMs == 1_400)
            #expect(m.overtalkMs == 400)
            #expect(m.agent?.overtalkMs == 400)
            #expect(m.customer?.overtalkMs == 0)
            #expect(m.silenceMs == 1_000)
        }
    }

    @Test func aProbeIsAnsweredAndReportsNothing() async throws {
        try await AudioHookHarness.run { h in
            let session = UUID().uuidString.lowercased()
            try await AudioHookScript.connect(port: h.port, sessionId: session, headers: h.headers(sessionId: session)) { s in
                try await s.send(Self.open(session, AudioHookMessage.nullUUID))
                #expect(try await s.read()["type"] as? String == "opened")
                try await s.send(.close(.init(reason: "end")))
                #expect(try await s.read()["type"] as? String == "closed")
            }
            try await h.settled()
            #expect(h.sink.events.isEmpty)
        }
    }

    @Test func everyRefusalIsAnsweredOverHTTPNoSoonerThanTheDelay() async throws {
        let other = AudioHookCredentials(apiKey: AudioHookHarness.credentials.apiKey,
                                         clientSecret: Secret(Data("another secret entirely".utf8).base64EncodedString()))
        try await AudioHookHarness.run { h in
            let now = Int64(Date().timeIntervalSince1970)
            let replayed = h.headers(sessionId: UUID().uuidString.lowercased())
            // The first use is accepted (101); the same signed request again is a replay.
            let first = try await h.rawUpgrade(replayed)
            #expect(first.status == 101)
            let unsigned = h.headers(sessionId: UUID().uuidString.lowercased(), signed: false)
            var noSignature = h.headers(sessionId: UUID().uuidString.lowercased())
            noSignature.removeAll { $0.name == "Signature" }
            let cases: [(String, [(name: String, value: String)], Int, String)] = [
                ("unsigned", unsigned, 401, "audiohook.auth.unsigned"),
                ("signature header missing", noSignature, 401, "audiohook.auth.signature-malformed"),
                ("bad signature", h.headers(sessionId: "s-bad", credentials: other), 401, "audiohook.auth.signature-mismatch"),
                ("expired", h.headers(sessionId: "s-old", created: now - 60), 401, "audiohook.auth.signature-expired"),
                ("future", h.headers(sessionId: "s-future", created: now + 60), 401, "audiohook.auth.signature-future"),
                ("replayed nonce", replayed, 401, "audiohook.auth.nonce-replayed"),
                ("unknown org", h.headers(sessionId: "s-org", organizationId: "99999999-0000-4000-8000-000000000000"), 401,
                 "audiohook.auth.unknown-organization"),
                ("API key mismatch", h.headers(sessionId: "s-key", apiKey: "not-the-key"), 401, "audiohook.auth.api-key-mismatch"),
            ]
            for (what, headers, status, code) in cases {
                let answer = try await h.rawUpgrade(headers)
                #expect(answer.status == status, "\(what): \(answer.text)")
                #expect(answer.text.contains(code), "\(what): \(answer.text)")
                #expect(answer.elapsed >= .milliseconds(500), "\(what): answered after \(answer.elapsed)")
                #expect(!answer.text.contains(AudioHookHarness.credentials.clientSecret.reveal()))
            }
        }
    }

    @Test func anOpenNamingAnotherOrganizationIsDisconnectedUnauthorized() async throws {
        try await AudioHookHarness.run { h in
            let session = UUID().uuidString.lowercased()
            try await AudioHookScript.connect(port: h.port, sessionId: session, headers: h.headers(sessionId: session)) { s in
                try await s.send(.open(.init(organizationId: "99999999-0000-4000-8000-000000000000",
                                             conversationId: UUID().uuidString.lowercased(), participant: .init(id: "b0000000-0000-4000-8000-000000000002"),
                                             media: [.pcmuStereo])))
                let disconnect = try await s.read()
                #expect(disconnect["type"] as? String == "disconnect")
                #expect((disconnect["parameters"] as? [String: Any])?["reason"] as? String == "unauthorized")
                try await s.send(.close(.init(reason: "disconnect")))
                #expect(try await s.read()["type"] as? String == "closed")
            }
            try await h.settled()
            #expect(h.sink.events.isEmpty)
        }
    }

    @Test func anOrgIsRefusedUntilItsOrganizationIdIsLearned() async throws {
        let orgs = [AudioHookOrgRegistry.Org(org: "us", credentials: AudioHookHarness.credentials)]
        try await AudioHookHarness.run(orgs: orgs) { h in
            let refused = try await h.rawUpgrade(h.headers(sessionId: "s-1"))
            #expect(refused.status == 401)
            #expect(refused.text.contains("audiohook.auth.unknown-organization"))
            h.audio.learned(organizationId: AudioHookHarness.organizationId.uppercased(), for: "us")
            let accepted = try await h.rawUpgrade(h.headers(sessionId: "s-2"))
            #expect(accepted.status == 101)
        }
    }

    @Test func aMisbehavingSessionLeavesAnotherUntouched() async throws {
        try await AudioHookHarness.run { h in
            let good = "a0000000-0000-4000-8000-000000000001", json = "a0000000-0000-4000-8000-000000000002"
            let odd = "a0000000-0000-4000-8000-000000000003"
            let audio = CallAudio.frames(CallAudio.pcmu(seconds: 2, external: [(0, 1)], internal: [(1, 2)]))
            try await withThrowingTaskGroup(of: Void.self) { g in
                g.addTask {
                    try await AudioHookScript.connect(port: h.port, sessionId: good, headers: h.headers(sessionId: good)) { s in
                        try await s.send(Self.open(good, UUID().uuidString.lowercased()))
                        #expect(try await s.read()["type"] as? String == "opened")
                        for frame in audio {
                            try await s.audio(frame)
                            try await Task.sleep(for: .milliseconds(20))  // spread over the others' faults
                        }
                        try await s.send(.close(.init(reason: "end")))
                        #expect(try await s.read()["type"] as? String == "closed")
                    }
                }
                for (session, fault) in [(json, "json"), (odd, "odd")] {
                    g.addTask {
                        try await AudioHookScript.connect(port: h.port, sessionId: session, headers: h.headers(sessionId: session)) { s in
                            try await s.send(Self.open(session, UUID().uuidString.lowercased()))
                            #expect(try await s.read()["type"] as? String == "opened")
                            if fault == "json" { try await s.sendRaw("{\"version\":\"2\",") } else { try await s.audio([1, 2, 3]) }
                            let disconnect = try await s.read()
                            #expect(disconnect["type"] as? String == "disconnect")
                            #expect((disconnect["parameters"] as? [String: Any])?["reason"] as? String == "error")
                            try await s.send(.close(.init(reason: "disconnect")))
                            #expect(try await s.read()["type"] as? String == "closed")
                        }
                    }
                }
                try await g.waitForAll()
            }
            try await h.settled()
            for bad in [json, odd] {
                guard case .ended(let e) = h.sink.events(session: bad).last else { Issue.record("\(bad) not ended"); continue }
                #expect(e.reason == "error")
            }
            guard case .ended(let e) = h.sink.events(session: good).last else { Issue.record("good not ended"); return }
            #expect(e.reason == "completed")
            #expect(e.metrics.analysedMs == 2_000)
            #expect(e.metrics.customer?.talkMs == 1_000)
            #expect(e.metrics.agent?.talkMs == 1_000)
        }
    }
}
