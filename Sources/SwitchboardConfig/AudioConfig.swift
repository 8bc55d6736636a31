import SwitchboardCore

/// An org's AudioHook Monitor integration (`orgs[].audio`): the credentials Genesys Cloud signs
/// each audio session's upgrade with, and optionally the Genesys organization id sessions are
/// routed by (docs/audio.md).
public struct AudioConfig: Sendable, Equatable {
    /// The Genesys organization id (a UUID, lower case) sent as `Audiohook-Organization-Id`; nil:
    /// learned from `GET /api/v2/organizations/me`.
    public var organizationId: String?
    /// The integration's API key (`X-API-KEY`, and the signature's `keyid`).
    public var apiKey: Secret
    /// The integration's client secret, base64 as Genesys shows it; the HMAC key is its decoded bytes.
    public var clientSecret: Secret

    public init(organizationId: String? = nil, apiKey: Secret, clientSecret: Secret) {
        self.organizationId = organizationId
        self.apiKey = apiKey
        self.clientSecret = clientSecret
    }
}
