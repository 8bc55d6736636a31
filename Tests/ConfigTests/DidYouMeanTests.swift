@testable import SwitchboardConfig
import Testing

/// Suggestions for mistyped keys: within two edits, or a prefix of at least three characters; the length
/// shortcut (no distance table when the lengths alone differ by more than two) changes no answer.
@Suite struct DidYouMeanTests {
    let keys = ["heartbeatTimeout", "pingAfterQuiet", "region", "maxConnections", "tz"]

    @Test func closeNamesAreSuggested() {
        #expect(DidYouMean.suggest("heartbeatTimout", from: keys) == "heartbeatTimeout")
        #expect(DidYouMean.suggest("REGOIN", from: keys) == "region")
        #expect(DidYouMean.suggest("tzz", from: keys) == "tz")
        // A prefix of three or more characters, however far apart the lengths.
        #expect(DidYouMean.suggest("heartbeat", from: keys) == "heartbeatTimeout")
        #expect(DidYouMean.suggest("maxConnectionsPerOrgAndRegion", from: keys) == "maxConnections")
    }

    @Test func farNamesAreNot() {
        #expect(DidYouMean.suggest("", from: keys) == nil)
        #expect(DidYouMean.suggest("colour", from: keys) == nil)
        #expect(DidYouMean.suggest(String(repeating: "x", count: 5_000), from: keys) == nil)
        #expect(DidYouMean.distance("kitten", "sitting") == 3)
        #expect(DidYouMean.distance("", "abc") == 3)
    }
}
