import Bridge
import Foundation
import KeywordSpotting
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The Bridge's ``OnBoxSpotting``: the pool only once an org has `speechText.onBox: true`, each configuration's
/// on-box orgs and keywords applied at once (on, off, changed), typed errors for phrases the spotter cannot use.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/pocketsphinx/model/en-us/en-us/mdef"),
                "needs pocketsphinx-en-us (make deps)"))
struct OnBoxSpottingTests {
    final class Sink: TranscriptSink {
        func ingest(transcripts: [TranscriptEvent]) {}
    }

    static func config(_ orgs: [(id: OrgID, onBox: Bool, phrases: [String])]) -> SwitchboardConfiguration {
        SwitchboardConfiguration(server: ServerConfig(), auth: AuthConfig(), occupancy: OccupancyConfig(), orgs: orgs.map { o in
            OrgConfig(id: o.id, name: o.id.rawValue, apiBase: "http://127.0.0.1:1", loginBase: "http://127.0.0.1:1",
                      clientId: "c", clientSecret: Secret("s"), timezone: TimeZone(identifier: "UTC")!,
                      speechText: SpeechTextConfig(keywords: o.phrases.map { KeywordPhrase(phrase: $0, label: "l-\($0)") },
                                                   onBox: o.onBox))
        })
    }

    @Test func withoutAnOnBoxOrgThereIsNoPoolAndNothingListens() throws {
        let spotting = OnBoxSpotting(sink: Sink())
        try spotting.configure(Self.config([("us", false, ["cancel my account"])]))
        #expect(spotting.pool == nil)
        #expect(!spotting.listens(to: "us"))
        // An offer or an end for an org nobody spots is dropped (the audio paths never make one).
        spotting.offer(org: "us", conversationID: "c", channel: .customer, sampleRate: 8000, samples: [1, 2], offsetMs: 0)
        spotting.end(org: "us", conversationID: "c")
        #expect(spotting.status(of: "us") == nil)
    }

    @Test func reloadsSwitchOrgsOnAndOffAtOnce() throws {
        let spotting = OnBoxSpotting(sink: Sink())
        try spotting.configure(Self.config([("us", false, ["cancel my account"]), ("emea", false, [])]))
        #expect(spotting.pool == nil)
        // A reload switches us on: the pool is made, us is listened to.
        try spotting.configure(Self.config([("us", true, ["cancel my account"]), ("emea", false, [])]))
        let pool = try #require(spotting.pool)
        #expect(spotting.listens(to: "us") && !spotting.listens(to: "emea"))
        #expect(spotting.orgs == ["us"])
        spotting.offer(org: "us", conversationID: "c1", channel: .customer, sampleRate: 8000,
                       samples: [Int16](repeating: 3, count: 800), offsetMs: 0)
        #expect(spotting.status(of: "us")?.admitted == 1)
        #expect(spotting.offeredChunks(org: "us") == 1)
        // New keywords, and emea on too: one pool.
        try spotting.configure(Self.config([("us", true, ["speak to a supervisor"]), ("emea", true, ["thank you so much"])]))
        #expect(spotting.pool === pool)
        #expect(spotting.orgs == ["us", "emea"])
        // us off: no longer listened to; its call under way still ends.
        try spotting.configure(Self.config([("us", false, ["speak to a supervisor"]), ("emea", true, ["thank you so much"])]))
        #expect(!spotting.listens(to: "us") && spotting.listens(to: "emea"))
        #expect(spotting.status(of: "us") == nil)
        spotting.end(org: "us", conversationID: "c1")
        #expect(pool.stats(of: "us").active == 0)
    }

    @Test func aPhraseThePronunciationDictionaryLacksIsATypedErrorNamingTheOrgAndWord() throws {
        let spotting = OnBoxSpotting(sink: Sink())
        #expect {
            try spotting.configure(Self.config([("us", true, ["cancel my acount"]), ("emea", true, ["thank you so much"])]))
        } throws: { error in
            guard let e = error as? BridgeError else { return false }
            return e.code == "kws.unknown-word" && e.message.contains("org us") && e.message.contains("'acount'")
                && e.message.contains("speechText.keywords")
        }
        // The other org was applied; us, which had nothing, is not spotted.
        #expect(spotting.orgs == ["emea"])
        // us had keywords: a bad edit keeps them.
        try spotting.configure(Self.config([("us", true, ["cancel my account"])]))
        #expect(throws: BridgeError.self) { try spotting.configure(Self.config([("us", true, ["qwzxv"])])) }
        #expect(spotting.orgs == ["us"])
    }

    @Test func aMissingModelIsATypedErrorNamingThePackage() {
        let spotting = OnBoxSpotting(sink: Sink(), vocabulary: SpotterVocabulary(directory: "/nonexistent/model"))
        #expect {
            try spotting.configure(Self.config([("us", true, ["cancel my account"])]))
        } throws: { error in
            (error as? BridgeError)?.code == "kws.model-missing"
                && ((error as? BridgeError)?.message.contains("pocketsphinx-en-us") ?? false)
        }
        #expect(spotting.pool == nil && !spotting.listens(to: "us"))
        // The configuration check says the same, at onBox.
        let vocabulary = SpotterVocabulary(directory: "/nonexistent/model")
        #expect(vocabulary.unavailable()?.code == "kws.model-missing")
        #expect(SpotterVocabulary.shared.unavailable() == nil)
        #expect(SpotterVocabulary.shared.problems(with: [KeywordPhrase(phrase: "cancel my acount", label: "x"),
                                                         KeywordPhrase(phrase: "thank you so much", label: "y")]).keys.sorted() == [0])
    }
}
