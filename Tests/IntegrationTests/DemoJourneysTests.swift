import Bridge
import Foundation
import Simulator
import SwitchboardConfig
import SwitchboardCore
import Synchronization
import Testing

/// `switchboard demo` turns customer journeys on (docs/journeys.md): every org gets a `journeys:` section with
/// hashed customer keys under the demo's own salt, and the simulator its journeys. Run here as the demo wires them:
/// the journeys reach `journeys:global`, every org figures in it, customers are shown as salted hashes, and a
/// hash copied from the topic finds its journey in a search.
@Suite(.serialized) struct DemoJourneysTests {
    @Test func theDemoConfigurationGivesEveryOrgHashedJourneysInItsCountryAndASaltOfItsOwn() {
        let sim = DemoConfiguration.simulatorJourneys()
        let sections = DemoConfiguration.journeys(orgs: ["us", "emea", "apac"], simulator: sim)
        #expect(Set(sections.keys) == ["us", "emea", "apac"])
        #expect(sections["us"]?.defaultCountry == "US" && sections["emea"]?.defaultCountry == "DE"
                && sections["apac"]?.defaultCountry == "JP")
        for s in sections.values {
            #expect(s.showCustomer == .hashed)
            #expect(s.sessionTimeout == .milliseconds(sim.sessionTimeout) && s.idleGrace == .milliseconds(sim.idleGrace))
        }
        let salt = DemoConfiguration.journeySalt()
        #expect(salt.reveal().count == 32 && salt != DemoConfiguration.journeySalt())
        let config = DemoConfiguration.make(simulatorBase: "http://127.0.0.1:1", options: SimulatorOptions(),
                                            listen: ListenAddress(host: "127.0.0.1", port: 0),
                                            journeys: sections, journeySalt: salt)
        #expect(config.journeys.salt == salt)
        #expect(config.orgs.allSatisfy { $0.journeys == sections[$0.id.rawValue] })
        // Without them (the other fixtures): no journeys.
        let plain = DemoConfiguration.make(simulatorBase: "http://127.0.0.1:1", options: SimulatorOptions(),
                                           listen: ListenAddress(host: "127.0.0.1", port: 0))
        #expect(plain.orgs.allSatisfy { $0.journeys == nil } && plain.journeys.salt == nil)
    }

    @Test func theDemosJourneysReachTheGlobalTopicHashedAndASearchByTheHashFindsThem() async throws {
        let orgs = ["us", "emea", "apac"]
        let salt = DemoConfiguration.journeySalt()
        try await DemoFixture.run(speed: 20, configure: { o in o.journeys = DemoConfiguration.simulatorJourneys() },
                                  configureBridge: { config in
            let sections = DemoConfiguration.journeys(orgs: orgs, simulator: DemoConfiguration.simulatorJourneys())
            for i in config.orgs.indices { config.orgs[i].journeys = sections[config.orgs[i].id.rawValue] }
            config.journeys.salt = salt
        }) { run in
            let last = Mutex<Data?>(nil)
            let seen = await eventually("journeys of every org on journeys:global", seconds: 60) {
                guard let (status, body) = try? await DemoFixture.get("\(run.bridgeBase)/v1/views/journeys:global", token: "demo-global"),
                      status == 200, let view = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                      let d = view["data"] as? [String: Any], let js = d["journeys"] as? [[String: Any]] else { return false }
                last.withLock { $0 = body }
                return Set(js.compactMap { $0["org"] as? String }) == Set(orgs)
            }
            try #require(seen)
            let body = try #require(last.withLock { $0 })
            let view = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            let data = try #require(view["data"] as? [String: Any])
            let figures = data["orgs"] as? [[String: Any]] ?? []
            #expect(Set(figures.compactMap { $0["id"] as? String }) == Set(orgs))
            let journeys = data["journeys"] as? [[String: Any]] ?? []
            for j in journeys {
                let customer = j["customer"] as? String ?? ""
                #expect(customer.range(of: #"^[a-z]+#[0-9a-f]{16}$"#, options: .regularExpression) != nil, "not a salted hash: \(customer)")
            }
            let j = try #require(journeys.first { ($0["contacts"] as? [Any])?.isEmpty == false })
            let org = try #require(j["org"] as? String), customer = try #require(j["customer"] as? String)
            let q = customer.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? customer
            let found = try await DemoFixture.json("\(run.bridgeBase)/v1/journeys?org=\(org)&customer=\(q)", token: "demo-global")
            let ids = (found["journeys"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(ids.contains(try #require(j["id"] as? String)), "search by \(customer) answered \(ids)")
        }
    }
}
