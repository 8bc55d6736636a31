@testable import Audio
import Foundation
import Testing

@Suite("AudioHook messages")
struct AudioHookMessageTests {
    @Test func decodesTheGenesysOpen() throws {
        let m = try AudioHookMessage.decode(Fixture.open(extra: #","customConfig":{"a":[1,true,null]},"supportedLanguages":true"#))
        #expect(m.type == .open)
        #expect(m.id == Fixture.session)
        #expect(m.seq == 1 && m.serverseq == 0 && m.position == .zero && m.clientseq == nil)
        guard case .open(let open) = m.parameters else { Issue.record("not an open"); return }
        #expect(open.organizationId == Fixture.organization)
        #expect(open.conversationId == Fixture.conversation)
        #expect(open.participant == .init(id: Fixture.participant, ani: "+1-555-555-1234", aniName: "John Doe", dnis: "+1-800-555-6789"))
        #expect(open.media.count == 3)
        #expect(open.media[0] == .pcmuStereo)
        #expect(open.media[1].channels == [.external])
        #expect(open.language == "en-US")
        #expect(open.supportedLanguages == true)
        #expect(open.customConfig == ["a": .array([.number(1), .bool(true), .null])])
        #expect(!open.isProbe)
    }

    @Test func everyClientMessageDecodes() throws {
        let cases: [(String, String, AudioHookMessage.Parameters)] = [
            ("ping", #"{"rtt":"PT0.012S"}"#, .ping(.init(rtt: AudioHookDuration(nanoseconds: 12_000_000)))),
            ("ping", "{}", .ping(.init())),
            ("paused", "{}", .paused),
            ("resumed", #"{"start":"PT1.2S","discarded":"PT3S"}"#,
             .resumed(.init(start: AudioHookDuration(milliseconds: 1200), discarded: AudioHookDuration(milliseconds: 3000)))),
            ("discarded", #"{"start":"PT0S","discarded":"PT.5S"}"#,
             .discarded(.init(start: .zero, discarded: AudioHookDuration(milliseconds: 500)))),
            ("update", #"{"language":"de-DE"}"#, .update(.init(language: "de-DE"))),
            ("close", #"{"reason":"end"}"#, .close(.init(reason: "end"))),
            ("error", #"{"code":429,"message":"slow down","retryAfter":"PT2S"}"#,
             .error(.init(code: 429, message: "slow down", retryAfter: AudioHookDuration(milliseconds: 2000)))),
        ]
        for (type, params, expected) in cases {
            let m = try AudioHookMessage.decode(Fixture.message(type, seq: 4, serverseq: 2, position: "PT42.6S", parameters: params))
            #expect(m.parameters == expected, "\(type)")
            #expect(m.position == AudioHookDuration(milliseconds: 42_600))
            #expect(m.serverseq == 2)
        }
    }

    @Test func serverMessagesRoundTrip() throws {
        let all: [AudioHookMessage.Parameters] = [
            .opened(.init(media: [.pcmuStereo], startPaused: false)),
            .opened(.init(media: [], discardTo: AudioHookDuration(milliseconds: 1500), startPaused: true, supportedLanguages: ["en-US"])),
            .pong, .pause, .resume, .updated, .closed,
            .disconnect(.init(reason: .unauthorized, info: "bad signature")),
            .disconnect(.init(reason: .completed)),
            .event(.init(entities: [.init(type: "transcript", data: .object(["isFinal": .bool(true)]))])),
            .reconnect(.init(info: "moving")),
        ]
        for (i, p) in all.enumerated() {
            let m = AudioHookMessage(id: Fixture.session, seq: i + 1, clientseq: 3, p)
            let back = try AudioHookMessage.decode(m.json)
            #expect(back == m)
            #expect(back.serverseq == nil && back.position == nil)
        }
    }

    @Test func clientMessagesRoundTrip() throws {
        let open = try AudioHookMessage.decode(Fixture.open())
        #expect(try AudioHookMessage.decode(open.json) == open)
        let close = AudioHookMessage(id: Fixture.session, seq: 9, serverseq: 3, position: AudioHookDuration(milliseconds: 42_600),
                                     .close(.init(reason: "end")))
        #expect(close.json.contains(#""position":"PT42.6S""#))
        #expect(try AudioHookMessage.decode(close.json) == close)
    }

    @Test func theOpenedWireShapeMatchesTheProtocol() throws {
        let m = AudioHookMessage(id: Fixture.session, seq: 1, clientseq: 1, .opened(.init(media: [.pcmuStereo], startPaused: false)))
        let object = try #require(JSONSerialization.jsonObject(with: Data(m.json.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["version", "id", "type", "seq", "clientseq", "parameters"])
        #expect(object["version"] as? String == "2")
        #expect(object["type"] as? String == "opened")
        let params = try #require(object["parameters"] as? [String: Any])
        #expect(params["startPaused"] as? Bool == false)
        let media = try #require((params["media"] as? [[String: Any]])?.first)
        #expect(media["type"] as? String == "audio")
        #expect(media["format"] as? String == "PCMU")
        #expect(media["channels"] as? [String] == ["external", "internal"])
        #expect(media["rate"] as? Int == 8000)
    }

    @Test func theProbeIsRecognised() throws {
        let m = try AudioHookMessage.decode(Fixture.open(conversation: AudioHookMessage.nullUUID))
        guard case .open(let open) = m.parameters else { Issue.record("not an open"); return }
        #expect(open.isProbe)
    }

    @Test func toleratesUnknownFieldsAndFormats() throws {
        let media = #"[{"type":"audio","format":"OPUS","channels":["external","internal"],"rate":48000,"x":1}]"#
        let m = try AudioHookMessage.decode(Fixture.open(media: media, extra: #","somethingNew":{"k":"v"}"#))
        guard case .open(let open) = m.parameters else { Issue.record("not an open"); return }
        #expect(open.media.first?.format.rawValue == "OPUS")
    }

    // MARK: Typed errors

    static func code(_ text: String) -> String? {
        do {
            _ = try AudioHookMessage.decode(text)
            return nil
        } catch {
            return error.code
        }
    }

    static func message(_ text: String) -> String? {
        do {
            _ = try AudioHookMessage.decode(text)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func malformedJSON() {
        #expect(Self.code("") == "audiohook.malformed-json")
        #expect(Self.code("{") == "audiohook.malformed-json")
        #expect(Self.code("[1,2]") == "audiohook.malformed-json")
        #expect(Self.code("\"open\"") == "audiohook.malformed-json")
        #expect(Self.code(String(repeating: "[", count: 5000)) == "audiohook.malformed-json")
    }

    @Test func unknownAndMissingType() {
        #expect(Self.code(Fixture.message("shout", seq: 1)) == "audiohook.unknown-type")
        #expect(Self.message(Fixture.message("shout", seq: 1))?.contains("'shout'") == true)
        #expect(Self.code(#"{"version":"2","seq":1}"#) == "audiohook.missing-field")
        #expect(Self.code(#"{"type":7}"#) == "audiohook.invalid-field")
    }

    @Test func missingFieldsNameTheirPath() {
        #expect(Self.message(#"{"version":"2","id":"\#(Fixture.session)","type":"ping","seq":1,"position":"PT0S","parameters":{}}"#)
            == "AudioHook 'ping' message has no 'serverseq'; the field is required")
        #expect(Self.message(Fixture.message("ping", seq: 1).replacingOccurrences(of: #","parameters":{}"#, with: ""))
            == "AudioHook 'ping' message has no 'parameters'; the field is required")
        #expect(Self.message(Fixture.message("resumed", seq: 2, parameters: #"{"start":"PT1S"}"#))
            == "AudioHook 'resumed' message has no 'parameters.discarded'; the field is required")
        let noParticipantId = Fixture.open().replacingOccurrences(of: #""id":"\#(Fixture.participant)","#, with: "")
        #expect(Self.message(noParticipantId) == "AudioHook 'open' message has no 'parameters.participant.id'; the field is required")
        // Opened (a server message) needs clientseq instead.
        #expect(Self.message(#"{"version":"2","id":"\#(Fixture.session)","type":"opened","seq":1,"parameters":{"media":[]}}"#)
            == "AudioHook 'opened' message has no 'clientseq'; the field is required")
    }

    @Test func invalidFieldsNameTheirPathAndWhatIsExpected() {
        #expect(Self.message(Fixture.message("ping", seq: 1, position: "12s"))
            == "AudioHook 'ping' message: 'position' must be an ISO-8601 duration in seconds such as PT1.2S")
        #expect(Self.code(Fixture.message("ping", seq: -1)) == "audiohook.invalid-field")
        #expect(Self.code(Fixture.message("ping", seq: 1).replacingOccurrences(of: #""seq":1"#, with: #""seq":"1""#))
            == "audiohook.invalid-field")
        #expect(Self.message(Fixture.open(media: #"[{"type":"audio","format":"PCMU","channels":["external"],"rate":"8000"}]"#))
            == "AudioHook 'open' message: 'parameters.media[0].rate' must be a whole number")
        #expect(Self.message(Fixture.open(organization: "not-a-uuid"))
            == "AudioHook 'open' message: 'parameters.organizationId' must be a UUID")
        #expect(Self.code(Fixture.open(media: #"[{"type":"audio","format":"PCMU","channels":[],"rate":8000}]"#))
            == "audiohook.invalid-field")
        #expect(Self.code(Fixture.message("ping", seq: 1).replacingOccurrences(of: Fixture.session, with: "abc"))
            == "audiohook.invalid-field")
        #expect(Self.code(Fixture.message("ping", seq: 1).replacingOccurrences(of: #""version":"2""#, with: #""version":"3""#))
            == "audiohook.unsupported-version")
        #expect(Self.code(Fixture.message("close", seq: 1, parameters: "null")) == "audiohook.invalid-field")
        #expect(Self.code(Fixture.message("paused", seq: 1, parameters: "[]")) == "audiohook.invalid-field")
    }

    @Test func oversizedTextIsRefusedBeforeParsing() {
        let big = Fixture.message("ping", seq: 1, parameters: #"{"pad":""# + String(repeating: "x", count: 70_000) + #""}"#)
        #expect(Self.code(big) == "audiohook.message-too-large")
    }

    /// Fuzz: random bytes, and valid messages truncated, bit-flipped, spliced and with fields
    /// deleted, always give a message or a typed error — never a trap. Seeded: a failure names its seed.
    @Test(arguments: [UInt64(1), 2, 3])
    func mutatedInputsNeverTrap(_ seed: UInt64) {
        var g = SplitMix(state: seed)
        let valid = [
            Fixture.open(), Fixture.open(conversation: AudioHookMessage.nullUUID),
            Fixture.message("ping", seq: 2, parameters: #"{"rtt":"PT0.012S"}"#),
            Fixture.message("resumed", seq: 3, parameters: #"{"start":"PT1.2S","discarded":"PT3S"}"#),
            Fixture.message("close", seq: 4, parameters: #"{"reason":"end"}"#),
            Fixture.message("error", seq: 5, parameters: #"{"code":500,"message":"x"}"#),
            AudioHookMessage(id: Fixture.session, seq: 1, clientseq: 1, .opened(.init(media: [.pcmuStereo]))).json,
        ].map { Array($0.utf8) }
        let tokens = Array("{}[]\",:0123456789.-eE truefalsenullPTS\\u00".utf8)
        var decoded = 0
        var refused = 0
        for i in 0..<6_000 {
            var bytes = valid[Int.random(in: 0..<valid.count, using: &g)]
            switch i % 6 {
            case 0:
                bytes = (0..<Int.random(in: 0...80, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
            case 1:
                bytes = Array(bytes[..<Int.random(in: 0...bytes.count, using: &g)])
            case 2:
                for _ in 0..<Int.random(in: 1...4, using: &g) {
                    bytes[Int.random(in: 0..<bytes.count, using: &g)] ^= UInt8(1) << UInt8.random(in: 0...7, using: &g)
                }
            case 3:
                for _ in 0..<Int.random(in: 1...6, using: &g) {
                    bytes[Int.random(in: 0..<bytes.count, using: &g)] = tokens[Int.random(in: 0..<tokens.count, using: &g)]
                }
            case 4:
                let other = valid[Int.random(in: 0..<valid.count, using: &g)]
                bytes = Array(bytes[..<Int.random(in: 0...bytes.count, using: &g)]) + Array(other[Int.random(in: 0...other.count, using: &g)...])
            default:
                let a = Int.random(in: 0..<bytes.count, using: &g)
                let b = min(bytes.count, a + Int.random(in: 1...30, using: &g))
                bytes.removeSubrange(a..<b)
            }
            do {
                let m = try AudioHookMessage.decode(bytes)
                // Whatever decodes must encode and decode to itself.
                #expect(try AudioHookMessage.decode(m.json) == m, "seed \(seed) case \(i)")
                decoded += 1
            } catch {
                #expect(error.code.hasPrefix("audiohook."), "seed \(seed) case \(i)")
                #expect(!error.message.isEmpty)
                refused += 1
            }
        }
        #expect(decoded + refused == 6_000)
        #expect(refused > 3_000, "refused \(refused)")
    }
}

@Suite("AudioHook durations")
struct AudioHookDurationTests {
    @Test func parsesTheProtocolForm() {
        #expect(AudioHookDuration("PT0S")?.nanoseconds == 0)
        #expect(AudioHookDuration("PT1.2S")?.milliseconds == 1200)
        #expect(AudioHookDuration("PT.5S")?.milliseconds == 500)
        #expect(AudioHookDuration("PT42.6S")?.milliseconds == 42_600)
        #expect(AudioHookDuration("PT0.000125S")?.nanoseconds == 125_000)
        #expect(AudioHookDuration("PT1.0000000019S")?.nanoseconds == 1_000_000_001)
        for bad in ["", "PT", "PTS", "PT1.S", "PT-1S", "P1S", "PT1M", "PT1.2.3S", "pt1s", "PT1s", "PT99999999999S", " PT1S"] {
            #expect(AudioHookDuration(bad) == nil, "\(bad)")
        }
    }

    @Test func formatsSecondsWithoutTrailingZeros() {
        #expect(AudioHookDuration.zero.text == "PT0S")
        #expect(AudioHookDuration(milliseconds: 1200).text == "PT1.2S")
        #expect(AudioHookDuration(milliseconds: 3000).text == "PT3S")
        #expect(AudioHookDuration(samples: 1, rate: 8000).text == "PT0.000125S")
        #expect(AudioHookDuration(samples: 8000 * 42 + 4800, rate: 8000).text == "PT42.6S")
    }

    @Test func convertsToSamples() {
        #expect(AudioHookDuration(milliseconds: 200).samples(rate: 8000) == 1600)
        #expect(AudioHookDuration("PT3S")?.samples(rate: 8000) == 24_000)
    }
}
