import ArgumentParser
import Bridge
import Foundation
import SwitchboardConfig

/// `switchboard check-config FILE`: validates an orgs YAML.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate an orgs YAML file without starting anything.",
        discussion: """
            Exit status 0 when the file is valid. Otherwise exit status 1 and one line per problem, \
            `file:line:column: what is wrong; what to do`, all problems in one run. The rules are the ones \
            `run` applies at the start and at every reload.

            Environment references such as ${GENESYS_US_CLIENT_SECRET} must be set and secret files \
            (clientSecretFile, …) readable; their values are never printed. With --no-env they need not be \
            (a CI job without the secrets): every other rule is checked, and the unchecked references are listed.
            """
    )

    @Argument(help: "The orgs YAML file to check.", completion: .file(extensions: ["yaml", "yml"]))
    var file: String

    @Flag(name: .shortAndLong, help: "Print a summary of the valid configuration.")
    var verbose = false

    @Flag(name: .customLong("no-env"), help: "Do not require environment variables or secret files (values that use them go unchecked).")
    var noEnv = false

    @Option(help: "Check as `run --listen HOST:PORT` would run it (the address replaces server.listen).")
    var listen: String?

    func validate() throws {
        if let listen, ListenAddress(parsing: listen) == nil {
            throw ValidationError("--listen '\(listen)' is not HOST:PORT (e.g. 127.0.0.1:8080)")
        }
    }

    func run() throws {
        do {
            // On-box keyword phrases are checked against PocketSphinx's dictionary, as the bridge does.
            let options = ConfigLoadOptions(listen: listen.flatMap(ListenAddress.init(parsing:)), requireSecrets: !noEnv,
                                            onBoxVocabulary: SpotterVocabulary.shared)
            let config = try ConfigLoader.load(path: file, options: options)
            print("\(file): ok — \(config.orgs.count) org(s): \(config.orgs.map(\.id.rawValue).joined(separator: ", "))")
            if !config.unchecked.isEmpty {
                print("  not checked (--no-env): \(config.unchecked.joined(separator: ", "))")
            }
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
