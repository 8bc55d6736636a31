import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

/// `orgs[].audio` on a `protocol: seed` org: the seed Audio Connector's filters and sample rate.
@Suite struct SeedAudioConfigTests {
    static func yaml(_ audio: String, protocol proto: String = "seed") -> String {
        "auth: none\norgs:\n\(ConfigTestSupport.minimalOrg)\n    protocol: \(proto)\n" + audio
    }

    @Test func theFullSectionLoads() throws {
        let yaml = Self.yaml("""
            audio:
              filters:
                interactionTypes: [voice]
                queueIds: [3F6F0C2E-9D1B-4C8E-A7A5-2B6F1E0D9C41, 5a1b2c3d-0000-4000-8000-000000000001]
                direction: [inbound]
              sampleRate: 8000
        """)
        let org = try #require(ConfigTestSupport.load(yaml)?.org("us"))
        #expect(org.audio == nil)
        #expect(org.seedAudio == SeedAudioConfig(interactionTypes: ["voice"],
                                                 queueIds: ["3f6f0c2e-9d1b-4c8e-a7a5-2b6f1e0d9c41",
                                                            "5a1b2c3d-0000-4000-8000-000000000001"],
                                                 directions: [.inbound], sampleRate: 8000))
    }

    @Test func everyKeyHasADefault() throws {
        let org = try #require(ConfigTestSupport.load(Self.yaml("    audio:\n"))?.org("us"))
        #expect(org.seedAudio == SeedAudioConfig())
        #expect(org.seedAudio?.sampleRate == 16000)
        #expect(org.seedAudio?.directions == [.inbound, .outbound])
        #expect(org.seedAudio?.queueIds == nil)
        // No audio: section, no audio.
        #expect(ConfigTestSupport.load(Self.yaml(""))?.org("us")?.seedAudio == nil)
    }

    @Test func chatAndVideoAreRefusedAtTheirLineAndColumn() {
        let yaml = Self.yaml("""
            audio:
              filters:
                interactionTypes: [voice, chat, video]
        """)
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:11:35: orgs[0].audio.filters.interactionTypes[1]: the Audio Connector streams voice interactions "
                + "only, not 'chat' (the server would refuse the whole subscription); remove it and write [voice]",
            "orgs.yaml:11:41: orgs[0].audio.filters.interactionTypes[2]: the Audio Connector streams voice interactions "
                + "only, not 'video' (the server would refuse the whole subscription); remove it and write [voice]",
        ])
    }

    @Test func badValuesAreReportedWhereTheyAre() {
        let yaml = Self.yaml("""
            audio:
              filters:
                interactionTypes: []
                queueIds: [q1]
                direction: [inbound, sideways, inbound]
              sampleRate: 44100
        """)
        let lines = ConfigTestSupport.lines(yaml)
        #expect(lines.count == 5)
        #expect(lines[0].hasPrefix("orgs.yaml:11:27: orgs[0].audio.filters.interactionTypes: the list is empty"))
        #expect(lines[1].hasPrefix("orgs.yaml:12:20: orgs[0].audio.filters.queueIds[0]: 'q1' is not a queue id"))
        #expect(lines[2].hasPrefix("orgs.yaml:13:30: orgs[0].audio.filters.direction[1]: unknown direction 'sideways'"))
        #expect(lines[3] == "orgs.yaml:13:40: orgs[0].audio.filters.direction[2]: 'inbound' is listed twice; keep one")
        #expect(lines[4] == "orgs.yaml:14:19: orgs[0].audio.sampleRate: 44100 Hz is not a rate the Audio Connector serves; "
            + "use one of 8000, 12000, 16000, 24000, 48000 (16000 when unsure)")
    }

    @Test func audioHookKeysAreRefusedOnASeedOrgAndViceVersa() {
        let seed = ConfigTestSupport.lines(Self.yaml("""
            audio:
              apiKey: ${US_AUDIOHOOK_API_KEY}
              sampleRate: 16000
        """))
        #expect(seed == ["orgs.yaml:10:7: orgs[0].audio: 'apiKey' belongs to an AudioHook integration, which 'protocol: "
            + "genesys' orgs use; a 'protocol: seed' org subscribes to the seed Audio Connector instead: its audio: takes "
            + "filters and sampleRate (docs/audio.md)"])
        let genesys = ConfigTestSupport.lines(Self.yaml("""
            audio:
              apiKey: ${US_AUDIOHOOK_API_KEY}
              clientSecret: ${US_AUDIOHOOK_CLIENT_SECRET}
              filters:
                interactionTypes: [voice]
        """, protocol: "genesys"), environment: AudioConfigTests.environment)
        #expect(genesys == ["orgs.yaml:12:7: orgs[0].audio: 'filters' belongs to the seed Audio Connector, which only "
            + "'protocol: seed' orgs use; a 'protocol: genesys' org streams audio through AudioHook: its audio: takes "
            + "organizationId, apiKey and clientSecret (docs/audio.md)"])
    }

    @Test func unknownKeysGetASuggestion() {
        let lines = ConfigTestSupport.lines(Self.yaml("""
            audio:
              sampleRat: 16000
              filters:
                directions: [inbound]
        """))
        #expect(lines == [
            "orgs.yaml:10:7: orgs[0].audio: unknown key 'sampleRat'; did you mean 'sampleRate'?",
            "orgs.yaml:12:9: orgs[0].audio.filters: unknown key 'directions'; did you mean 'direction'?",
        ])
    }

    static func config(_ audio: String) throws -> SwitchboardConfiguration {
        try ConfigLoader.load(yaml: yaml(audio), file: "orgs.yaml", environment: ConfigTestSupport.minimalEnvironment)
    }

    @Test func aFilterChangeIsAppliedLiveNotByARestart() throws {
        let old = try Self.config("    audio:\n      sampleRate: 16000\n")
        let filters = try Self.config("    audio:\n      filters:\n        direction: [inbound]\n")
        let diff = ConfigDiff(old: old, new: filters)
        #expect(diff.changedOrgs == [])
        #expect(diff.seedAudioChangedOrgs == ["us"])
        #expect(!diff.isEmpty)
        #expect(diff.summary == "audio filters: us")
        // Another change to the org as well: a restart, which applies the filters too.
        var renamed = filters
        renamed.orgs[0].name = "Renamed"
        let both = ConfigDiff(old: old, new: renamed)
        #expect(both.changedOrgs == ["us"])
        #expect(both.seedAudioChangedOrgs == [])
        #expect(ConfigDiff(old: old, new: old).isEmpty)
    }

    @Test func addingOrRemovingTheAudioSectionRestartsTheOrg() throws {
        let with = try Self.config("    audio:\n      sampleRate: 16000\n")
        let without = try Self.config("")
        #expect(without.orgs[0].seedAudio == nil)
        for diff in [ConfigDiff(old: with, new: without), ConfigDiff(old: without, new: with)] {
            #expect(diff.changedOrgs == ["us"])
            #expect(diff.seedAudioChangedOrgs == [])
        }
    }
}
