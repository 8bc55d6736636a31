import SwitchboardConfig
import Testing

@Suite struct SpeechConfigTests {
    typealias S = ConfigTestSupport

    @Test func defaultsAndValues() throws {
        let plain = try #require(S.load("auth: none\norgs:\n" + S.minimalOrg))
        #expect(plain.speech == SpeechConfig())
        #expect(plain.speech.correlationGrace == .milliseconds(500) && plain.speech.endedLinger == .seconds(60))
        let set = try #require(S.load("""
        auth: none
        speech:
          correlationGrace: 2s
          endedLinger: 5m
        orgs:
        """ + "\n" + S.minimalOrg))
        #expect(set.speech.correlationGrace == .seconds(2))
        #expect(set.speech.endedLinger == .seconds(300))
        let diff = ConfigDiff(old: plain, new: set)
        #expect(diff.speechChanged && !diff.isEmpty && diff.summary == "speech")
    }

    @Test func mistakesSayWhereAndWhatToDo() {
        let lines = S.lines("""
        auth: none
        speech:
          correlationGrace: soon
          endedLinger: 2h
          lingr: 1s
        orgs:
        """ + "\n" + S.minimalOrg)
        #expect(lines.contains { $0.hasPrefix("orgs.yaml:3:21:") && $0.contains("speech.correlationGrace") && $0.contains("not a duration") })
        #expect(lines.contains { $0.hasPrefix("orgs.yaml:4:16:") && $0.contains("speech.endedLinger") && $0.contains("1h") })
        #expect(lines.contains { $0.hasPrefix("orgs.yaml:5:") && $0.contains("lingr") })
        let bare = S.lines("auth: none\nspeech:\n  correlationGrace: 500\norgs:\n" + S.minimalOrg)
        #expect(bare.contains { $0.hasPrefix("orgs.yaml:3:21:") && $0.contains("no unit") })
        let scalar = S.lines("auth: none\nspeech: fast\norgs:\n" + S.minimalOrg)
        #expect(scalar.contains { $0.hasPrefix("orgs.yaml:2:9:") && $0.contains("speech") && $0.contains("mapping") })
    }
}
