import SwitchboardConfig
import Testing

@Suite struct StoreConfigTests {
    typealias S = ConfigTestSupport

    @Test func defaultsToAFileInTheWorkingDirectoryOrTheStateDirectory() throws {
        let plain = try #require(S.load("auth: none\norgs:\n" + S.minimalOrg))
        #expect(plain.store.path == "switchboard.db")
        #expect(plain.store.retention.occupancy == .seconds(35 * 86_400))
        var env = S.minimalEnvironment
        env["STATE_DIRECTORY"] = "/var/lib/switchboard"
        let systemd = try #require(S.load("auth: none\norgs:\n" + S.minimalOrg, environment: env))
        #expect(systemd.store.path == "/var/lib/switchboard/switchboard.db")
    }

    @Test func noneKeepsEverythingInMemory() throws {
        let c = try #require(S.load("auth: none\nstore: none\norgs:\n" + S.minimalOrg))
        #expect(c.store.path == nil)
    }

    @Test func pathAndRetention() throws {
        let c = try #require(S.load("""
        auth: none
        store:
          path: /data/sb.db
          retention:
            occupancy: 90d
            audit: 2d12h
        orgs:
        """ + "\n" + S.minimalOrg))
        #expect(c.store.path == "/data/sb.db")
        #expect(c.store.retention.occupancy == .seconds(90 * 86_400))
        #expect(c.store.retention.audit == .seconds(60 * 3600))
        #expect(c.store.retention.quality == .seconds(35 * 86_400))
    }

    @Test func mistakesSayWhereAndWhatToDo() {
        let lines = S.lines("""
        auth: none
        store:
          retention:
            occupancy: 2h
            journey: 30d
        orgs:
        """ + "\n" + S.minimalOrg)
        #expect(lines.contains { $0.contains("orgs.yaml:4:") && $0.contains("store.retention.occupancy") && $0.contains("at least 1d") })
        #expect(lines.contains { $0.contains("orgs.yaml:5:") && $0.contains("journey") && $0.contains("journeys") })
        let scalar = S.lines("auth: none\nstore: off\norgs:\n" + S.minimalOrg)
        #expect(scalar.contains { $0.contains("store: 'off'") && $0.contains("store: none") })
    }

    @Test func aChangedStoreWaitsForARestart() throws {
        let a = try #require(S.load("auth: none\norgs:\n" + S.minimalOrg))
        let b = try #require(S.load("auth: none\nstore: none\norgs:\n" + S.minimalOrg))
        #expect(b.store.restartOnlyChanges(from: a.store) == ["store.path: switchboard.db → none"])
        let diff = ConfigDiff(old: a, new: b)
        #expect(diff.storeChanged && !diff.isEmpty)
        #expect(diff.summary == "store (after a restart)")
    }
}
