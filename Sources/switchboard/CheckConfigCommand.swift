import ArgumentParser
import Foundation
import SwitchboardConfig

/// `switchboard check-config FILE`: validates an orgs YAML.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate an orgs YAML file without starting anything.",
        discussion: """
            Exit status 0 when the file is valid. Otherwise exit status 1 and one line per problem,
            `file:line:column: what is wrong; what to do`, all problems in one run.
            Environment references such as ${GENESYS_US_CLIENT_SECRET} must be set; their values are never printed.
            """
    )

    @Argument(help: "The orgs YAML file to check.", completion: .file(extensions: ["yaml", "yml"]))
    var file: String

    @Flag(name: .shortAndLong, help: "Print a summary of the valid configuration.")
    var verbose = false

    func run() throws {
        do {
            let config = try ConfigLoader.load(path: file)
            print("\(file): ok — \(config.orgs.count) org(s): \(config.orgs.map(\.id.rawValue).joined(separator: ", "))")
            if verbose {
                for org in config.orgs {
                    print("  \(org.id): \(org.name), api \(org.apiBase), zone \(org.timezone.identifier), protocol \(org.upstreamProtocol.rawValue)")
                }
                print("  listen \(config.server.listen), \(config.auth.clients.count) client token(s)\(config.auth.disabled ? ", auth: none" : "")")
            }
        } catch {
            for diagnostic in error.diagnostics {
                FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8))
            }
            throw ExitCode(1)
        }
    }
}
