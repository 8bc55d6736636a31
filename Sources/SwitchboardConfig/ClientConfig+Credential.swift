import SwitchboardCore

extension ClientConfig {
    /// A client that authenticates with the token whose SHA-256 is `credential`'s, or with the token.
    /// For `.sha256`, ``token`` is an empty `Secret`: compare with ``ClientCredential/matches(_:)``.
    public init(name: String, credential: ClientCredential, scopes: [Scope]) {
        switch credential {
        case .token(let secret): self.init(name: name, token: secret, scopes: scopes)
        case .sha256: self.init(name: name, token: Secret(""), scopes: scopes)
        }
        self.credential = credential
    }
}
