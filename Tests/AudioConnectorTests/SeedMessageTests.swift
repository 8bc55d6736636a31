import AudioConnector
import Foundation
import SwitchboardConfig
import Testing

@Suite struct SeedMessageTests {
    @Test func subscribeEncodesTheSeedShapeWithTheSampleRateAlwaysSent() throws {
        let s = SeedSubscription(queueIds: ["q1", "q2"], directions: [.inbound, .outbound], sampleRate: 16000)
        let json = SeedMessage.subscribe(s).json
        #expect(json == #"{"subscription":{"filters":{"direction":["inbound","outbound"],"interactionTypes":["voice"],"#
                + #""queueIds":["q1","q2"]},"format":"opus","sampleRate":16000,"type":"audio"},"type":"subscribe"}"#)
        #expect(try SeedMessage.decode(json) == .subscribe(s))
        // No queue filter: the key is left out.
        let all = SeedMessage.subscribe(SeedSubscription(sampleRate: 8000)).json
        #expect(!all.contains("queueIds"))
        #expect(all.contains(#""sampleRate":8000"#))
    }

    @Test func unsubscribeEncodes() throws {
        #expect(SeedMessage.unsubscribe(subscriptionId: "sub-1").json == #"{"subscriptionId":"sub-1","type":"unsubscribe"}"#)
    }

    @Test func serverMessagesDecodeToleratingExtraFields() throws {
        #expect(try SeedMessage.decode(#"{"type":"subscribed","subscriptionId":"sub-67890","status":"active","x":[1]}"#)
                == .subscribed(subscriptionId: "sub-67890", status: "active"))
        #expect(try SeedMessage.decode(#"{"type":"unsubscribed","subscriptionId":"s"}"#) == .unsubscribed(subscriptionId: "s"))
        #expect(try SeedMessage.decode(#"{"type":"unsubscribed"}"#) == .unsubscribed(subscriptionId: nil))
        #expect(try SeedMessage.decode(#"{"type":"error","code":"subscription-limit","message":"at most 4"}"#)
                == .error(SeedServerError(code: "subscription-limit", message: "at most 4")))
        let interaction = try SeedMessage.decode("""
            {"type":"interaction","interactionId":"6f1c1a52-3c4b-4a7e-9d1f-0b2a3c4d5e6f","direction":"inbound",
             "agentId":"a1","queueId":"q1","startTime":"2026-05-07T10:00:00Z","channels":["customer","agent"],
             "agentName":"ignored"}
            """)
        #expect(interaction == .interaction(SeedInteraction(
            interactionId: "6f1c1a52-3c4b-4a7e-9d1f-0b2a3c4d5e6f", direction: .inbound, agentId: "a1", queueId: "q1",
            startTime: 1_778_148_000_000, channels: ["customer", "agent"])))
        // Metadata may come with only the id.
        #expect(try SeedMessage.decode(#"{"type":"interaction","interactionId":"i"}"#) == .interaction(SeedInteraction(interactionId: "i")))
        #expect(try SeedMessage.decode(#"{"type":"interactionEnded","interactionId":"i","endTime":"2026-05-07T10:05:00.250Z"}"#)
                == .interactionEnded(interactionId: "i", endTime: 1_778_148_300_250))
    }

    @Test func everyMessageRoundTrips() throws {
        let messages: [SeedMessage] = [
            .subscribe(SeedSubscription(queueIds: nil, directions: [.outbound], sampleRate: 48000)),
            .unsubscribe(subscriptionId: "a"), .subscribed(subscriptionId: "b", status: "active"),
            .unsubscribed(subscriptionId: "c"), .error(SeedServerError(code: "invalid-sample-rate", message: "m")),
            .interaction(SeedInteraction(interactionId: "i", direction: .outbound, agentId: "g", queueId: "q",
                                         startTime: 1_778_148_000_000, channels: ["customer", "agent"])),
            .interactionEnded(interactionId: "i", endTime: 1_778_148_000_500),
        ]
        for m in messages { #expect(try SeedMessage.decode(m.json) == m) }
    }

    func error(_ text: String) -> SeedMessageError? {
        do {
            _ = try SeedMessage.decode(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func malformedMessagesGetTypedErrorsNamingTheField() {
        #expect(error("not json")?.code == "seed.malformed-json")
        #expect(error("[1,2]")?.code == "seed.malformed-json")
        #expect(error(#""text""#)?.code == "seed.malformed-json")
        #expect(error(#"{"subscriptionId":"x"}"#)?.message == "Audio Connector message has no 'type'; the field is required")
        #expect(error(#"{"type":7}"#)?.code == "seed.invalid-field")
        let unknown = error(#"{"type":"hello"}"#)
        #expect(unknown?.code == "seed.unknown-type")
        #expect(unknown?.message.contains("interactionEnded") == true)
        #expect(error(#"{"type":"subscribed"}"#)?.message == "Audio Connector 'subscribed' message has no 'subscriptionId'; the field is required")
        #expect(error(#"{"type":"subscribed","subscriptionId":null}"#)?.code == "seed.missing-field")
        #expect(error(#"{"type":"subscribed","subscriptionId":12}"#)?.message
                == "Audio Connector 'subscribed' message: 'subscriptionId' must be a string")
        #expect(error(#"{"type":"error"}"#)?.message.contains("'code'") == true)
        #expect(error(#"{"type":"interaction","interactionId":"i","direction":"sideways"}"#)?.message.contains("'direction'") == true)
        #expect(error(#"{"type":"interaction","interactionId":"i","startTime":"yesterday"}"#)?.message
                .contains("'startTime' must be an ISO-8601") == true)
        #expect(error(#"{"type":"interaction","interactionId":"i","channels":["customer",3]}"#)?.message
                .contains("'channels[1]'") == true)
        let nested = #"{"type":"subscribe","subscription":{"filters":{"interactionTypes":["voice"],"direction":["in"]},"format":"opus","sampleRate":16000}}"#
        #expect(error(nested)?.message.contains("'subscription.filters.direction[0]' must be inbound or outbound") == true)
        let rate = #"{"type":"subscribe","subscription":{"filters":{"interactionTypes":["voice"],"direction":[]},"format":"opus","sampleRate":16000.5}}"#
        #expect(error(rate)?.message.contains("'subscription.sampleRate' must be a whole number") == true)
        let boolRate = #"{"type":"subscribe","subscription":{"filters":{"interactionTypes":["voice"],"direction":[]},"format":"opus","sampleRate":true}}"#
        #expect(error(boolRate)?.code == "seed.invalid-field")
        #expect(error(String(repeating: " ", count: 70_000))?.code == "seed.message-too-large")
    }

    @Test func aQuotedWireValueIsShortAndPrintable() {
        let e = error(#"{"type":""# + String(repeating: "x", count: 200) + #"\u0007"}"#)
        #expect(e?.code == "seed.unknown-type")
        let message = e?.message ?? ""
        #expect(message.contains(String(repeating: "x", count: 60) + "…"))
        #expect(!message.contains(String(repeating: "x", count: 61)))
        #expect(!message.contains("\u{7}"))
    }

    @Test func theDiscoveryAnswerDecodes() throws {
        let d = try SeedDiscovery.decode("""
            {"uri":"wss://wss-us-east-1.example/api/v2/audioconnector/connections?token=abc","connectionId":"conn-1",
             "region":"us-east-1","expiresIn":3600,"extra":true}
            """)
        #expect(d == SeedDiscovery(uri: "wss://wss-us-east-1.example/api/v2/audioconnector/connections?token=abc",
                                   connectionId: "conn-1", region: "us-east-1", expiresIn: 3600))
        #expect(d.redactedURI == "wss://wss-us-east-1.example/api/v2/audioconnector/connections")
        #expect(try SeedDiscovery.decode(#"{"uri":"ws://h/ws?token=t","connectionId":"c","region":"r"}"#).expiresIn == nil)
    }

    @Test func aBrokenDiscoveryAnswerIsATypedError() {
        func code(_ text: String) -> String? {
            do {
                _ = try SeedDiscovery.decode(text)
                return nil
            } catch {
                return "\(error.code) \(error.message)"
            }
        }
        #expect(code(#"{"connectionId":"c","region":"r"}"#)?.hasPrefix("seed.missing-field Audio Connector discovery answer has no 'uri'") == true)
        #expect(code(#"{"uri":"https://h/x","connectionId":"c","region":"r"}"#)?.contains("'uri' must be a ws:// or wss:// URI") == true)
        #expect(code(#"{"uri":"ws://h","connectionId":"c","region":"r","expiresIn":"soon"}"#)?.contains("'expiresIn'") == true)
        #expect(code("<html>")?.hasPrefix("seed.malformed-json") == true)
    }
}
