import ArgumentParser
import SwitchboardConfig

/// `switchboard token new --name N --scopes S`: a fresh client token, shown once, with the `clients:`
/// entry that holds only its SHA-256.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Make downstream client tokens.",
        subcommands: [NewToken.self]
    )

    struct NewToken: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new",
            abstract: "Print a fresh random token once, and the clients: entry holding only its SHA-256.",
            discussion: "The token is 32 random bytes from the system's secure generator, base64url-encoded (43 characters, 256 bits). Give it to the client and keep it nowhere else: the orgs YAML holds only its hash (tokenSha256), so the token cannot be recovered from the file. Paste the printed entry under clients: and the bridge picks it up without a restart."
        )

        @Option(help: "The client's name, shown in logs (unique in clients:).")
        var name: String

        @Option(help: "Comma-separated scopes: global, org:<id>, admin, metrics (e.g. 'org:us' or 'admin,global').")
        var scopes: String

        func validate() throws {
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--name must not be empty")
            }
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || "-_. ".contains($0) }) else {
                throw ValidationError("--name '\(name)' may hold letters, digits, '-', '_', '.' and spaces only")
            }
            _ = try parsedScopes()
        }

        func parsedScopes() throws -> [Scope] {
            let items = scopes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !items.isEmpty else { throw ValidationError("--scopes must name at least one scope") }
            return try items.map { item in
                guard let scope = Scope(parsing: item) else {
                    throw ValidationError("--scopes: unknown scope '\(item)'; use global, org:<id>, admin or metrics")
                }
                return scope
            }
        }

        func run() throws {
            let token = ClientToken.generate()
            let scopes = try parsedScopes().map(\.description).joined(separator: ", ")
            printLine("""
                Token for '\(name)' (shown once; give it to the client, keep it nowhere else):

                  \(token)

                Add this entry under clients: in the orgs YAML (it holds only the token's SHA-256):

                  - name: \(name)
                    tokenSha256: \(ClientCredential.sha256Hex(token))
                    scopes: [\(scopes)]
                """)
        }
    }
}
