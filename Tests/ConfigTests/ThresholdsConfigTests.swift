import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

/// `thresholds:` at the top level, per org and per queue: reading, precedence and diagnostics.
@Suite struct ThresholdsConfigTests {
    static let yaml = """
    auth: none
    occupancy:
      bands: {under: 0.5, healthy: 0.75, elevated: 0.88}
    thresholds:
      serviceLevel: {target: 0.85, criticalMargin: 0.15, window: today, minCalls: 10}
      longestWait: {warn: 45s, critical: 2m}
      waiting: {warn: 4, critical: 12}
    orgs:
      - id: us
        region: mypurecloud.com
        clientId: abc
        clientSecret: ${US_SECRET}
        timezone: America/New_York
        thresholds:
          waiting: {warn: 8, critical: 20}
          occupancy: {elevated: 0.92}
          queues:
            - queue: US Sales
              serviceLevel: {target: 0.7}
              longestWait: {critical: 5m}
            - queue: 0f3c5a1e-0000-4000-8000-000000000001
              waiting: {critical: 30}
    """

    @Test func readsEveryLevel() throws {
        let config = try #require(ConfigTestSupport.load(Self.yaml))
        let t = config.thresholds
        #expect(t.defaults.serviceLevelTarget == 0.85)
        #expect(t.defaults.serviceLevelWindow == .today)
        #expect(t.defaults.longestWaitWarn == .seconds(45))
        let us = try #require(t.orgs["us"])
        #expect(us.set.waitingWarn == 8 && us.set.occupancyElevated == 0.92)
        #expect(us.queues.map(\.queue) == ["US Sales", "0f3c5a1e-0000-4000-8000-000000000001"])
        // Thresholds live outside the org's connector configuration: editing them restarts nothing.
        #expect(config.orgs[0] == (try #require(ConfigTestSupport.load(
            "auth: none\norgs:\n\(ConfigTestSupport.minimalOrg)\n"))).orgs[0])
    }

    /// Queue entry over the queue's own platform target over org over top level over the defaults.
    @Test func resolutionPrecedence() throws {
        let config = try #require(ConfigTestSupport.load(Self.yaml))
        let t = config.thresholds
        let bands = config.occupancy.bands
        let sales = t.resolved(org: "us", queueID: "q-sales", queueName: "us sales", platformTarget: 0.9, bands: bands)
        #expect(sales.serviceLevelTarget == 0.7, "the queue entry's target wins over the platform's, by name, any case")
        #expect(sales.longestWaitWarnMs == 45_000 && sales.longestWaitCriticalMs == 300_000)
        #expect(sales.waitingWarn == 8 && sales.waitingCritical == 20)
        #expect(sales.serviceLevelCriticalMargin == 0.15 && sales.serviceLevelWindow == .today && sales.serviceLevelMinCalls == 10)
        #expect(sales.occupancy == BandThresholds(under: 0.5, healthy: 0.75, elevated: 0.92))
        let other = t.resolved(org: "us", queueID: "q-2", queueName: "Support", platformTarget: 0.9, bands: bands)
        #expect(other.serviceLevelTarget == 0.9, "the platform's own target beats org and top-level targets")
        let none = t.resolved(org: "us", queueID: "q-3", queueName: nil, platformTarget: nil, bands: bands)
        #expect(none.serviceLevelTarget == 0.85)
        let byID = t.resolved(org: "us", queueID: "0f3c5a1e-0000-4000-8000-000000000001", queueName: "Billing",
                              platformTarget: nil, bands: bands)
        #expect(byID.waitingCritical == 30 && byID.waitingWarn == 8)
        let org = t.resolved(org: "us", bands: bands)
        #expect(org.serviceLevelTarget == 0.85 && org.waitingWarn == 8)
        let global = t.resolvedGlobal(bands: bands)
        #expect(global.waitingWarn == 4 && global.occupancy.elevated == 0.88)
        // Nothing written anywhere: the built-in defaults and occupancy.bands.
        let bare = ThresholdsConfig().resolved(org: "x", queueID: "q", queueName: nil, platformTarget: nil, bands: BandThresholds())
        #expect(bare == ResolvedThresholds())
        #expect(bare.serviceLevelTarget == 0.8 && bare.longestWaitWarnMs == 60_000 && bare.longestWaitCriticalMs == 180_000)
        #expect(bare.waitingWarn == 5 && bare.waitingCritical == 15 && bare.serviceLevelWindow == .rolling60m)
    }

    @Test func mistakesAreReportedWithPositions() {
        let yaml = """
        auth: none
        thresholds:
          serviceLevel: {target: 80, windw: today}
          longestWait: {warn: 5m}
          queues: []
        orgs:
          - id: us
            region: mypurecloud.com
            clientId: abc
            clientSecret: ${US_SECRET}
            timezone: America/New_York
            thresholds:
              waiting: {warn: 20}
              occupancy: {under: 0.9}
              queues:
                - queue: Sales
                  waiting: {warn: 2, critical: 1}
                - queue: sales
                - serviceLevel: {minCalls: 0}
        """
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:3:26: thresholds.serviceLevel.target: 80 is out of range; use a number above 0 and at most 1 (0.8 means 80 %)",
            "orgs.yaml:3:30: thresholds.serviceLevel: unknown key 'windw'; did you mean 'window'?",
            "orgs.yaml:4:3: thresholds.longestWait: warn 5m is not shorter than critical 3m; make warn < critical (defaults 60s, 3m)",
            "orgs.yaml:5:3: thresholds: unknown key 'queues'; valid keys are serviceLevel, longestWait, waiting, occupancy",
            "orgs.yaml:13:7: orgs[0].thresholds.waiting: warn 20 is not below critical 15; make warn < critical (defaults 5, 15)",
            "orgs.yaml:14:7: orgs[0].thresholds.occupancy: thresholds must satisfy 0 < under < healthy < elevated < 1, "
                + "found under 0.9, healthy 0.8, elevated 0.9 (unset ones come from occupancy.bands); reorder them",
            "orgs.yaml:17:11: orgs[0].thresholds.queues[0].waiting: warn 2 is not below critical 1; make warn < critical (defaults 5, 15)",
            "orgs.yaml:18:18: orgs[0].thresholds.queues[1].queue: queue 'sales' already has thresholds (line 16); merge the two entries",
            "orgs.yaml:19:11: orgs[0].thresholds.queues[2]: missing required key 'queue'; add 'queue: <queue id or name>'",
            "orgs.yaml:19:36: orgs[0].thresholds.queues[2].serviceLevel.minCalls: 0 is out of range; use a number of at least 1",
        ])
    }

    @Test func diffSeesThresholdsWithoutRestartingOrgs() throws {
        let a = try #require(ConfigTestSupport.load(Self.yaml))
        let b = try #require(ConfigTestSupport.load(Self.yaml.replacingOccurrences(of: "warn: 8", with: "warn: 9")))
        let diff = ConfigDiff(old: a, new: b)
        #expect(diff.thresholdsChanged && !diff.isEmpty)
        #expect(diff.changedOrgs.isEmpty && diff.orgsToStart.isEmpty)
        #expect(ConfigDiff(old: a, new: a).isEmpty)
    }

    @Test func queueServicePollIntervalIsATunable() throws {
        let yaml = "auth: none\norgs:\n\(ConfigTestSupport.minimalOrg)\n    tunables:\n      queueServicePollInterval: 2m\n"
        let config = try #require(ConfigTestSupport.load(yaml))
        #expect(config.orgs[0].tunables.queueServicePollInterval == .seconds(120))
        #expect(OrgTunables().queueServicePollInterval == .seconds(60))
    }
}
