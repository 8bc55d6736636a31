import ArgumentParser

/// `switchboard`: the multi-org real-time bridge for Genesys Cloud.
@main
struct SwitchboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "A multi-org real-time bridge for Genesys Cloud contact centres.",
        discussion: """
            One connector per Genesys Cloud org keeps its OAuth token, notification channel and REST
            pollers alive through every fault; live views (occupancy, agent heatmap, queue tiles) are
            pushed over WebSockets to a master dashboard and to regional teams.

            Start with `switchboard demo` (simulated US/EMEA/APAC orgs + bridge + dashboard).
            Docs: docs/ in the source tree.
            """,
        subcommands: [RunCommand.self, DemoCommand.self, SimulateCommand.self, CheckConfigCommand.self],
        defaultSubcommand: nil
    )
}
