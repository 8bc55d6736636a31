import SwitchboardConfig
import Testing

@Suite struct ConfigDurationTests {
    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)),
        ("65s", .seconds(65)),
        ("15m", .seconds(900)),
        ("2h", .seconds(7200)),
        ("1h30m", .seconds(5400)),
        ("1m30s", .seconds(90)),
        ("1.5s", .milliseconds(1500)),
        ("2h0m5s10ms", .milliseconds(7_205_010)),
        (" 10s ", .seconds(10)),
        ("0s", .zero),
    ])
    func parses(text: String, expected: Duration) {
        #expect(ConfigDuration.parse(text) == expected)
    }

    @Test(arguments: ["", "250", "10", "s", "10 s", "10sec", "1w", "ten seconds", "-5s", "1.2.3s", "5S", "h1", "1e3ms"])
    func rejects(text: String) {
        #expect(ConfigDuration.parse(text) == nil)
    }

    @Test(arguments: [
        (Duration.milliseconds(250), "250ms"), (.seconds(65), "1m5s"), (.seconds(5400), "1h30m"), (.zero, "0s"),
        (.seconds(3600), "1h"),
    ])
    func formats(duration: Duration, expected: String) {
        #expect(ConfigDuration.format(duration) == expected)
        #expect(ConfigDuration.parse(expected) == duration)
    }

    @Test(arguments: [
        ("1024", 1024), ("1MiB", 1 << 20), ("512KiB", 512 << 10), ("2GiB", 2 << 30), ("64 KiB", 64 << 10),
        ("2MB", 2_000_000), ("10KB", 10_000), ("100B", 100), ("1_048_576", 1 << 20),
    ])
    func byteSizes(text: String, expected: Int) {
        #expect(ConfigByteSize.parse(text) == expected)
    }

    @Test(arguments: ["", "MiB", "1.5MiB", "1 furlong", "1mib", "-"])
    func rejectsByteSizes(text: String) {
        #expect(ConfigByteSize.parse(text) == nil)
    }

    @Test func durationsAndSizesInTheFile() throws {
        let yaml = """
        auth: none
        server:
          flushInterval: 100ms
          historyMaxAge: 1h30m
          clientQueueBytes: 512KiB
          pacedBytesPerFlush: 64KiB
          maxInboundFrameBytes: 4096
        orgs:
        \(ConfigTestSupport.minimalOrg)
            tunables:
              heartbeatTimeout: 2m
              tokenRefreshMargin: 90s
        """
        let config = try #require(ConfigTestSupport.load(yaml))
        #expect(config.server.flushInterval == .milliseconds(100))
        #expect(config.server.historyMaxAge == .seconds(5400))
        #expect(config.server.clientQueueBytes == 512 * 1024)
        #expect(config.server.pacedBytesPerFlush == 64 * 1024)
        #expect(config.server.maxInboundFrameBytes == 4096)
        #expect(config.orgs[0].tunables.heartbeatTimeout == .seconds(120))
        #expect(config.orgs[0].tunables.tokenRefreshMargin == .seconds(90))
        #expect(config.orgs[0].tunables.backoffMax == .seconds(60))
    }
}
