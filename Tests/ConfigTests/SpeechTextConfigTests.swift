import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

/// `orgs[].speechText`: keyword phrases, word sources and hot-call rules (docs/speech-text.md).
@Suite struct SpeechTextConfigTests {
    /// The minimal org (lines 3–7) with `section` from line 8.
    static func yaml(_ section: String, audio: Bool = false) -> String {
        let audioLines = audio ? "    protocol: seed\n    audio:\n" : ""
        return "auth: none\norgs:\n\(ConfigTestSupport.minimalOrg)\n" + section + (section.hasSuffix("\n") ? "" : "\n")
            + audioLines
    }

    @Test func theFullSectionLoads() throws {
        let yaml = Self.yaml("""
            speechText:
              keywords:
                - phrase: cancel my account
                  label: churn-risk
                  channel: customer
                - phrase: supervisor
                  label: escalation
                  threshold: 1e-15
                - phrase: "Don't hang up!"
                  label: escalation
                  channel: agent
              transcription: false
              onBox: true
              pushTranscripts: true
              hotCalls:
                labels: [escalation]
                sentimentBelow: -0.3
        """, audio: true)
        let org = try #require(ConfigTestSupport.load(yaml)?.org("us"))
        let st = try #require(org.speechText)
        #expect(st.keywords == [
            KeywordPhrase(phrase: "cancel my account", label: "churn-risk", channel: .customer),
            KeywordPhrase(phrase: "supervisor", label: "escalation", channel: .both, threshold: 1e-15),
            KeywordPhrase(phrase: "Don't hang up!", label: "escalation", channel: .agent),
        ])
        #expect(st.transcription == false && st.onBox == true && st.pushTranscripts == true)
        #expect(st.hotCalls == SpeechTextConfig.HotCalls(labels: ["escalation"], sentimentBelow: -0.3))
        #expect(st.labels == ["churn-risk", "escalation"])
        #expect(st.hotCalls.isHot(label: "escalation") && !st.hotCalls.isHot(label: "churn-risk"))
    }

    @Test func everyKeyHasADefault() throws {
        let st = try #require(ConfigTestSupport.load(Self.yaml("    speechText:\n"))?.org("us")?.speechText)
        #expect(st == SpeechTextConfig())
        #expect(st.keywords.isEmpty && st.transcription && !st.onBox && !st.pushTranscripts)
        #expect(st.hotCalls.labels == nil && st.hotCalls.sentimentBelow == -0.5)
        #expect(st.hotCalls.isHot(label: "anything"))
        // No section, no speech text.
        #expect(ConfigTestSupport.load(Self.yaml(""))?.org("us")?.speechText == nil)
        // `all` is the default written out; [] lets only sentiment make a call hot.
        let all = Self.yaml("    speechText:\n      hotCalls:\n        labels: all\n")
        #expect(ConfigTestSupport.load(all)?.org("us")?.speechText?.hotCalls.labels == nil)
        let none = Self.yaml("    speechText:\n      hotCalls:\n        labels: []\n")
        #expect(ConfigTestSupport.load(none)?.org("us")?.speechText?.hotCalls.labels == [])
    }

    @Test func badPhrasesAreRefusedWhereTheyAre() {
        let lines = ConfigTestSupport.lines(Self.yaml("""
            speechText:
              keywords:
                - phrase: ""
                  label: a
                - phrase: "?!..."
                  label: b
                - phrase: supervisor
                  label: c
                  channel: custmer
                - phrase: refund
                  label: d
                  threshold: 0
                - phrase: refund now
                  label: d
                  threshold: soon
        """))
        #expect(lines == [
            "orgs.yaml:10:19: orgs[0].speechText.keywords[0].phrase: must not be empty; write e.g. cancel my account",
            "orgs.yaml:12:19: orgs[0].speechText.keywords[1].phrase: '?!...' has no letter or digit, so it could never "
                + "match (punctuation is a word break); write the words to listen for, e.g. cancel my account",
            "orgs.yaml:16:20: orgs[0].speechText.keywords[2].channel: unknown value 'custmer'; did you mean 'customer'?",
            "orgs.yaml:19:22: orgs[0].speechText.keywords[3].threshold: '0' is not a positive number; write a PocketSphinx "
                + "keyword threshold such as 1e-20 (smaller hears more, with more false alarms), or leave it out for the "
                + "default",
            "orgs.yaml:22:22: orgs[0].speechText.keywords[4].threshold: 'soon' is not a positive number; write a "
                + "PocketSphinx keyword threshold such as 1e-20 (smaller hears more, with more false alarms), or leave it "
                + "out for the default",
        ])
    }

    @Test func theSamePhraseWithAnotherLabelIsRefused() {
        let lines = ConfigTestSupport.lines(Self.yaml("""
            speechText:
              keywords:
                - phrase: Cancel my account
                  label: churn-risk
                - phrase: "cancel, my account!"
                  label: cancel
        """))
        #expect(lines == [
            "orgs.yaml:12:19: orgs[0].speechText.keywords[1].phrase: 'cancel, my account!' is the same phrase as "
                + "'Cancel my account' (line 10), which has label 'churn-risk'; a phrase has one label: remove one entry "
                + "or change its words",
        ])
    }

    @Test func theSamePhraseTwiceForOneSideIsRefusedButOnePerSideIsNot() throws {
        let twice = ConfigTestSupport.lines(Self.yaml("""
            speechText:
              keywords:
                - phrase: supervisor
                  label: escalation
                  channel: customer
                - phrase: SUPERVISOR
                  label: escalation
        """))
        #expect(twice == [
            "orgs.yaml:13:19: orgs[0].speechText.keywords[1].phrase: 'SUPERVISOR' is already listed with label "
                + "'escalation' at line 10 ('supervisor') for an overlapping channel, so each hit would count twice; "
                + "keep one entry",
        ])
        let perSide = Self.yaml("""
            speechText:
              keywords:
                - phrase: supervisor
                  label: escalation
                  channel: customer
                - phrase: supervisor
                  label: escalation
                  channel: agent
        """)
        #expect(try #require(ConfigTestSupport.load(perSide)?.org("us")?.speechText).keywords.count == 2)
    }

    @Test func otherMistakes() {
        let lines = ConfigTestSupport.lines(Self.yaml("""
            speechText:
              keyword:
                - phrase: x
              transcription: yes
              onBox: true
              hotCalls:
                labels: [escalaton]
                sentimentBelow: 0.5x
                sentiment: -2
              keywords:
                - phrase: supervisor
                  label: escalation
                  lable: x
                - label: orphan
        """))
        #expect(lines == [
            "orgs.yaml:9:7: orgs[0].speechText: unknown key 'keyword'; did you mean 'keywords'?",
            "orgs.yaml:11:22: orgs[0].speechText.transcription: expected true or false, found 'yes'; write true or false",
            "orgs.yaml:12:14: orgs[0].speechText.onBox: on-box spotting listens to the org's call audio, but the org has "
                + "no audio: section; add one (docs/audio.md) or set onBox: false",
            "orgs.yaml:14:18: orgs[0].speechText.hotCalls.labels[0]: no keyword has label 'escalaton'; did you mean "
                + "'escalation'?",
            "orgs.yaml:15:25: orgs[0].speechText.hotCalls.sentimentBelow: expected a number, found '0.5x'; write e.g. -0.5",
            "orgs.yaml:16:9: orgs[0].speechText.hotCalls: unknown key 'sentiment'; did you mean 'sentimentBelow'?",
            "orgs.yaml:20:11: orgs[0].speechText.keywords[0]: unknown key 'lable'; did you mean 'label'?",
            "orgs.yaml:21:11: orgs[0].speechText.keywords[1]: missing required key 'phrase'; add 'phrase: cancel my account'",
        ])
    }

    @Test func sentimentBelowIsACompoundScore() {
        let lines = ConfigTestSupport.lines(Self.yaml("    speechText:\n      hotCalls:\n        sentimentBelow: -1.5\n"))
        #expect(lines == ["orgs.yaml:10:25: orgs[0].speechText.hotCalls.sentimentBelow: -1.5 is out of range; use a "
            + "number from -1 to 1 (a compound sentiment score)"])
    }

    static func config(_ section: String) throws -> SwitchboardConfiguration {
        try ConfigLoader.load(yaml: yaml(section), file: "orgs.yaml", environment: ConfigTestSupport.minimalEnvironment)
    }

    @Test func aSpeechTextChangeIsAppliedLiveNotByARestart() throws {
        let old = try Self.config("    speechText:\n      keywords:\n        - {phrase: supervisor, label: escalation}\n")
        let new = try Self.config("    speechText:\n      keywords:\n        - {phrase: manager, label: escalation}\n")
        let diff = ConfigDiff(old: old, new: new)
        #expect(diff.changedOrgs == [])
        #expect(diff.speechTextChangedOrgs == ["us"])
        #expect(diff.orgsToStart == [])
        #expect(!diff.isEmpty)
        #expect(diff.summary == "speech text: us")
        // Adding or removing the section is live too.
        #expect(ConfigDiff(old: try Self.config(""), new: new).speechTextChangedOrgs == ["us"])
        #expect(ConfigDiff(old: new, new: try Self.config("")).speechTextChangedOrgs == ["us"])
        // Another change to the org as well: a restart, which applies the section too.
        var renamed = new
        renamed.orgs[0].name = "Renamed"
        let both = ConfigDiff(old: old, new: renamed)
        #expect(both.changedOrgs == ["us"])
        #expect(both.speechTextChangedOrgs == [])
        #expect(ConfigDiff(old: new, new: new).isEmpty)
    }
}
