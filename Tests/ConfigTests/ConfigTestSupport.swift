import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

/// Shared helpers for the configuration tests.
enum ConfigTestSupport {
    /// The three variables `orgs.example.yaml` needs.
    static let exampleEnvironment = [
        "GENESYS_US_CLIENT_SECRET": "us-secret-value",
        "GENESYS_EMEA_CLIENT_SECRET": "emea-secret-value",
        "GENESYS_APAC_CLIENT_SECRET": "apac-secret-value",
    ]

    /// `orgs.example.yaml` at the package root.
    static var examplePath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("orgs.example.yaml").path
    }

    /// A fixture under Tests/ConfigTests/Fixtures.
    static func fixture(_ name: String) throws -> String {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return dir.appendingPathComponent(name).path
    }

    /// A minimal valid org block, indented for a list under `orgs:`.
    static let minimalOrg = """
      - id: us
        region: mypurecloud.com
        clientId: abc
        clientSecret: ${US_SECRET}
        timezone: America/New_York
    """

    static let minimalEnvironment = ["US_SECRET": "s3cret"]

    /// The diagnostics' `file:line:column: message` lines for `yaml`, or [] when it loads.
    static func lines(_ yaml: String, environment: [String: String] = minimalEnvironment) -> [String] {
        do {
            _ = try ConfigLoader.load(yaml: yaml, file: "orgs.yaml", environment: environment)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    /// Loads `yaml`, recording an issue with the diagnostics when it fails.
    static func load(_ yaml: String, environment: [String: String] = minimalEnvironment,
                     sourceLocation: SourceLocation = #_sourceLocation) -> SwitchboardConfiguration? {
        do {
            return try ConfigLoader.load(yaml: yaml, file: "orgs.yaml", environment: environment)
        } catch {
            Issue.record("unexpected diagnostics:\n\(error.message)", sourceLocation: sourceLocation)
            return nil
        }
    }
}
