import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite struct RegionAndTimeZoneTests {
    @Test(arguments: [
        ("mypurecloud.com", "mypurecloud.com"), ("us_east_1", "mypurecloud.com"), ("us-east-1", "mypurecloud.com"),
        ("eu_central_1", "mypurecloud.de"), ("eu_west_1", "mypurecloud.ie"), ("ap_northeast_1", "mypurecloud.jp"),
        ("ap_southeast_2", "mypurecloud.com.au"), ("us_east_2", "use2.us-gov-pure.cloud"), ("EU_WEST_2", "euw2.pure.cloud"),
        ("apne3.pure.cloud", "apne3.pure.cloud"), ("MyPureCloud.JP", "mypurecloud.jp"),
    ])
    func regionResolves(region: String, domain: String) {
        #expect(GenesysRegions.domain(forRegion: region) == domain)
    }

    @Test func everyDomainHasExactlyOneSDKKey() {
        #expect(GenesysRegions.sdkKeys.count == GenesysRegions.domains.count)
        #expect(Set(GenesysRegions.sdkKeys.values) == Set(GenesysRegions.domains))
    }

    @Test(arguments: ["mypurecloud.fr", "us_east_9", "", "api.mypurecloud.com"])
    func unknownRegion(region: String) {
        #expect(GenesysRegions.domain(forRegion: region) == nil)
    }

    @Test func regionSetsBothBases() throws {
        let yaml = "auth: none\norgs:\n\(ConfigTestSupport.minimalOrg.replacingOccurrences(of: "mypurecloud.com", with: "eu_west_2"))\n"
        let org = try #require(ConfigTestSupport.load(yaml)?.orgs.first)
        #expect(org.region == "euw2.pure.cloud")
        #expect(org.apiBase == "https://api.euw2.pure.cloud")
        #expect(org.loginBase == "https://login.euw2.pure.cloud")
    }

    @Test(arguments: ["America/New_York", "Europe/Berlin", "Europe/Dublin", "Asia/Tokyo", "Australia/Sydney", "UTC",
                      "Etc/UTC"])
    func timeZoneAccepted(zone: String) throws {
        let yaml = "auth: none\norgs:\n\(ConfigTestSupport.minimalOrg.replacingOccurrences(of: "America/New_York", with: zone))\n"
        let org = try #require(ConfigTestSupport.load(yaml)?.orgs.first)
        // Foundation on Linux names UTC "GMT".
        #expect(org.timezone.identifier == zone || (zone == "UTC" && org.timezone.secondsFromGMT() == 0))
    }

    @Test(arguments: [
        ("Mars/Olympus", "unknown time zone 'Mars/Olympus'; use an IANA name such as America/New_York, Europe/Berlin or Asia/Tokyo"),
        ("asia/tokyo", "unknown time zone 'asia/tokyo'; did you mean 'Asia/Tokyo'?"),
        ("Europe/Dubln", "unknown time zone 'Europe/Dubln'; did you mean 'Europe/Dublin'?"),
        ("+05:00", "unknown time zone '+05:00'; use an IANA name such as America/New_York, Europe/Berlin or Asia/Tokyo"),
    ])
    func timeZoneRejected(zone: String, message: String) {
        let yaml = "auth: none\norgs:\n\(ConfigTestSupport.minimalOrg.replacingOccurrences(of: "America/New_York", with: "'\(zone)'"))\n"
        #expect(ConfigTestSupport.lines(yaml) == ["orgs.yaml:7:15: orgs[0].timezone: \(message)"])
    }

    @Test func apiBaseAndRegionTogetherIsAnError() {
        let yaml = "auth: none\norgs:\n\(ConfigTestSupport.minimalOrg)\n    apiBase: http://127.0.0.1:9100\n"
        #expect(ConfigTestSupport.lines(yaml) == [
            "orgs.yaml:8:5: orgs[0]: both 'region' and apiBase/loginBase are given; keep one",
        ])
    }

    @Test func apiBaseWithoutLoginBase() {
        let org = ConfigTestSupport.minimalOrg.replacingOccurrences(of: "region: mypurecloud.com",
                                                                    with: "apiBase: http://127.0.0.1:9100")
        #expect(ConfigTestSupport.lines("auth: none\norgs:\n\(org)\n") == [
            "orgs.yaml:3:5: orgs[0]: missing required key 'loginBase'; add 'loginBase: https://login.mypurecloud.com'",
        ])
    }
}
