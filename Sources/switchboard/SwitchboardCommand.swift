import ArgumentParser
import SwitchboardCore

/// `switchboard`: the multi-org real-time bridge for Genesys Cloud.
@main
struct SwitchboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "A multi-org real-time bridge for Genesys Cloud contact centres.",
        discussion: """
            One connector per Genesys Cloud org keeps its OAuth token, notification channel and REST \
            pollers alive through every fault; live views (occupancy, agent heatmap, queue tiles) are \
            pushed over WebSockets to a master dashboard and to regional teams.

            Start with `switchboard demo` (simulated US/EMEA/APAC orgs + bridge + dashboard). \
            Docs: docs/ in the source tree.
            """,
        version: SwitchboardCommand.version,
        subcommands: [RunCommand.self, DemoCommand.self, SimulateCommand.self, CheckConfigCommand.self, TokenCommand.self,
                      StoreCommand.self, HealthcheckCommand.self],
        defaultSubcommand: nil
    )
}

extension SwitchboardCommand {
    /// The entry point: the allocator is set up before the first thread of our own starts (AllocatorTuning), then the
    /// command line is parsed and run as usual.
    static func main() async {
        AllocatorTuning.apply()
        await main(nil)
    }

    /// `switchboard --version`. Raised at each release (CHANGELOG.md names the versions).
    static let version = "0.1.0-dev"
}
