import Foundation
import SwitchboardCore
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00.000Z", Int64(0)),
        ("2026-05-07T10:00:00.000Z", Int64(1_778_148_000_000)),
        ("2026-05-07T10:00:00Z", Int64(1_778_148_000_000)),
        ("2026-05-07T10:00:00.5Z", Int64(1_778_148_000_500)),
        ("2026-05-07T10:00:00.123456Z", Int64(1_778_148_000_123)),
        ("2026-05-07T12:00:00.000+02:00", Int64(1_778_148_000_000)),
        ("2024-02-29T23:59:59.999Z", Int64(1_709_251_199_999)),
    ])
    func parsesISO8601(_ text: String, _ expected: Int64) {
        #expect(Timestamp.parse(text) == expected)
    }

    @Test(arguments: ["", "2026-05-07", "2026-13-07T10:00:00Z", "2026-05-07T10:00:00", "2026-05-07T10:00:00.Z",
                      "2026-05-07T25:00:00Z", "not a time", "2026-05-07T10:00:00.000Zjunk"])
    func rejectsMalformed(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func formatRoundTrips() {
        for t: Int64 in [0, 1_778_148_000_000, 1_709_251_199_999, 4_102_444_800_001] {
            #expect(Timestamp.parse(Timestamp.format(t)) == t)
        }
        #expect(Timestamp.format(1_778_148_000_123) == "2026-05-07T10:00:00.123Z")
    }

    @Test func formatsWithZoneOffset() throws {
        let tokyo = try #require(TimeZone(identifier: "Asia/Tokyo"))
        #expect(Timestamp.format(1_778_148_000_000, in: tokyo) == "2026-05-07T19:00:00.000+09:00")
        let ny = try #require(TimeZone(identifier: "America/New_York"))
        #expect(Timestamp.format(1_778_148_000_000, in: ny) == "2026-05-07T06:00:00.000-04:00")
    }

    @Test func startOfDayFollowsTheOrgZone() throws {
        // 2026-05-07T02:00Z is already the 7th in Tokyo (11:00) but still the 6th in New York (22:00).
        let t = Timestamp.parse("2026-05-07T02:00:00Z")!
        let tokyo = try #require(TimeZone(identifier: "Asia/Tokyo"))
        let ny = try #require(TimeZone(identifier: "America/New_York"))
        #expect(Timestamp.startOfDay(t, in: tokyo) == Timestamp.parse("2026-05-06T15:00:00Z"))
        #expect(Timestamp.startOfDay(t, in: ny) == Timestamp.parse("2026-05-06T04:00:00Z"))
    }
}

@Suite struct CoreValueTests {
    @Test func secretNeverPrintsItsValue() {
        let secret = Secret("hunter2")
        #expect("\(secret)" == "***")
        #expect(String(reflecting: secret) == "Secret(***)")
        #expect(!"\([secret])".contains("hunter2"))
        #expect(secret.reveal() == "hunter2")
    }

    @Test func entityIDsAreNamespaced() throws {
        let id = EntityID(org: "us", platformID: "0f3c-1")
        #expect(id.description == "us/0f3c-1")
        #expect(EntityID(namespaced: "us/0f3c-1") == id)
        #expect(EntityID(namespaced: "no-slash") == nil)
        #expect(EntityID(namespaced: "/x") == nil)
        let data = try JSONEncoder().encode([id])
        #expect(String(decoding: data, as: UTF8.self) == #"["us\/0f3c-1"]"# || String(decoding: data, as: UTF8.self) == #"["us/0f3c-1"]"#)
        #expect(try JSONDecoder().decode([EntityID].self, from: data) == [id])
    }

    @Test func presenceSpellingsNormalise() {
        #expect(SystemPresence("On Queue") == .onQueue)
        #expect(SystemPresence("ON_QUEUE") == .onQueue)
        #expect(SystemPresence.onQueue.platformSpelling == "On Queue")
        #expect(SystemPresence.breakTime.platformSpelling == "Break")
    }

    @Test func jsonTextEscapes() {
        var out: [UInt8] = []
        JSONText.appendString("a\"b\\c\n\u{01}é", to: &out)
        #expect(String(decoding: out, as: UTF8.self) == #""a\"b\\c\n\u0001é""#)
        out = []
        JSONText.appendDouble(0.81234567, decimals: 4, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "0.8123")
        out = []
        JSONText.appendDouble(nil, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "null")
    }

    @Test func manualClockMovesOnlyWhenTold() {
        let clock = ManualClock(1_000)
        #expect(clock.now() == 1_000)
        clock.advance(by: 500)
        #expect(clock.now() == 1_500)
    }
}
