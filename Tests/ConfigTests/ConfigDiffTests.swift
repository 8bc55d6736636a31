import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite struct ConfigDiffTests {
    static func example() throws -> SwitchboardConfiguration {
        try ConfigLoader.load(path: ConfigTestSupport.examplePath, environment: ConfigTestSupport.exampleEnvironment)
    }

    @Test func identicalConfigsDiffEmpty() throws {
        let a = try Self.example()
        var b = try Self.example()
        b.sourcePath = "/elsewhere.yaml"
        let diff = ConfigDiff(old: a, new: b)
        #expect(diff.isEmpty)
        #expect(diff == ConfigDiff(old: b, new: a))
    }

    @Test func orgsAddedRemovedChanged() throws {
        let old = try Self.example()
        var new = old
        new.orgs.removeAll { $0.id == "emea" }
        new.orgs[0].tunables.heartbeatTimeout = .seconds(30)
        var extra = old.orgs[2]
        extra.id = "latam"
        new.orgs.append(extra)
        let diff = ConfigDiff(old: old, new: new)
        #expect(diff.addedOrgs == ["latam"])
        #expect(diff.removedOrgs == ["emea"])
        #expect(diff.changedOrgs == ["us"])
        #expect(diff.orgsToStart == ["latam", "us"])
        #expect(!diff.serverChanged && !diff.authChanged && !diff.occupancyChanged)
        #expect(!diff.isEmpty)
    }

    @Test func secretRotationIsAChange() throws {
        let old = try Self.example()
        var env = ConfigTestSupport.exampleEnvironment
        env["GENESYS_APAC_CLIENT_SECRET"] = "rotated"
        let new = try ConfigLoader.load(path: ConfigTestSupport.examplePath, environment: env)
        #expect(ConfigDiff(old: old, new: new).changedOrgs == ["apac"])
    }

    @Test func sectionsChanged() throws {
        let old = try Self.example()
        var new = old
        new.server.flushInterval = .milliseconds(100)
        #expect(ConfigDiff(old: old, new: new).serverChanged)
        new = old
        new.auth.clients.removeLast()
        #expect(ConfigDiff(old: old, new: new).authChanged)
        #expect(!ConfigDiff(old: old, new: new).serverChanged)
        new = old
        new.occupancy.bandWindow = .today
        let diff = ConfigDiff(old: old, new: new)
        #expect(diff.occupancyChanged && diff.addedOrgs.isEmpty && diff.changedOrgs.isEmpty)
    }
}
