import SwitchboardCore

/// A client-credentials access token as issued by `POST /oauth/token`.
public struct AccessToken: Sendable, Equatable {
    /// The bearer token (redacted in logs).
    public let value: Secret
    /// `expires_in`: seconds of validity from issue.
    public let lifetime: Duration

    public init(value: Secret, lifetime: Duration) {
        self.value = value
        self.lifetime = lifetime
    }
}

/// Where the REST client gets its bearer token. The connector's token manager implements it.
public protocol AccessTokenProvider: Sendable {
    /// A token believed valid now; waits while the first token is being fetched.
    func accessToken() async throws -> AccessToken
    /// The platform answered 401 to `token`: renew (once, however many callers report it) and
    /// return the replacement.
    func tokenRejected(_ token: AccessToken) async throws -> AccessToken
}

/// A fixed token, for tests and one-off tools.
public struct StaticTokenProvider: AccessTokenProvider {
    let token: AccessToken
    public init(_ token: AccessToken) { self.token = token }
    public func accessToken() async throws -> AccessToken { token }
    public func tokenRejected(_ token: AccessToken) async throws -> AccessToken {
        throw GenesysAPIError(code: "genesys.unauthorized", message: "static token rejected (401)", status: 401)
    }
}
