import Crypto
import Foundation
import SwitchboardCore

/// The WebSocket upgrade request Genesys sends, as the listener saw it.
public struct AudioHookUpgradeRequest: Sendable {
    public var method: String
    /// The request target as received (path and query): the `@request-target` component.
    public var target: String
    /// Header fields in arrival order; names are matched case-insensitively.
    public var headers: [(name: String, value: String)]

    public init(method: String = "GET", target: String, headers: [(name: String, value: String)]) {
        self.method = method
        self.target = target
        self.headers = headers
    }

    /// A header's value: every field of that name, each trimmed with obsolete line folding replaced
    /// by a space, joined with `, ` (RFC 9421 §2.1). Nil when absent.
    public func header(_ name: String) -> String? {
        let values = headers.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map { Self.canonical($0.value) }
        return values.isEmpty ? nil : values.joined(separator: ", ")
    }

    static func canonical(_ value: String) -> String {
        var v = value.trimmingCharacters(in: CharacterSet(charactersIn: " \t\r\n"))
        while let r = v.range(of: "[ \t]*\r\n[ \t]+", options: .regularExpression) { v.replaceSubrange(r, with: " ") }
        return v
    }
}

/// One org's AudioHook integration credentials, as configured in Genesys Cloud.
public struct AudioHookCredentials: Sendable, Equatable {
    public var apiKey: Secret
    /// Base64, exactly as Genesys shows it; the HMAC key is its decoded bytes.
    public var clientSecret: Secret

    public init(apiKey: Secret, clientSecret: Secret) {
        self.apiKey = apiKey
        self.clientSecret = clientSecret
    }
}

/// What a verified upgrade tells about the session.
public struct AudioHookVerifiedUpgrade: Sendable, Equatable {
    public var organizationId: String
    public var sessionId: String
    public var correlationId: String
    /// The signature's `created` (UTC epoch seconds).
    public var created: Int64
}

/// HTTP Message Signatures (RFC 9421, `hmac-sha256`) on the AudioHook upgrade, as Genesys signs it
/// and the reference server checks it.
///
/// The signature base is one line per covered component, `"<name>": <value>`, then
/// `"@signature-params": <the Signature-Input member re-serialised>`, joined by `\n`; the MAC is
/// HMAC-SHA256 keyed with the base64-decoded client secret, sent as `sig1=:<base64>:`.
public enum AudioHookSignature {
    /// The components every AudioHook upgrade signature must cover.
    public static let requiredComponents = [
        "@request-target", "@authority", "audiohook-organization-id", "audiohook-session-id",
        "audiohook-correlation-id", "x-api-key",
    ]

    /// The verifier's limits.
    public struct Policy: Sendable, Equatable {
        /// A signature older than this (from its `created`) is expired: 10 s, as the reference server.
        public var maxAge: Duration
        /// Clock difference tolerated in either direction between Genesys and this host.
        public var clockSkew: Duration
        /// Shortest accepted `nonce` (Genesys sends 18 random bytes, 24 base64 characters).
        public var minimumNonceLength: Int

        public init(maxAge: Duration = .seconds(10), clockSkew: Duration = .seconds(3), minimumNonceLength: Int = 22) {
            self.maxAge = maxAge
            self.clockSkew = clockSkew
            self.minimumNonceLength = minimumNonceLength
        }
    }

    // MARK: Signing

    /// Signs `components` (name, value), as Genesys does: parameters `keyid`, `nonce`, `alg`,
    /// `created`, `expires` in that order. Returns the `Signature-Input` and `Signature` values.
    public static func sign(components: [(name: String, value: String)], keyID: String, key: [UInt8], nonce: String,
                            created: Int64, expires: Int64, label: String = "sig1") -> (signatureInput: String, signature: String)
    {
        let list = StructuredField.InnerList(
            items: components.map { StructuredField.Item(value: .string($0.name.lowercased())) },
            parameters: [
                .init(key: "keyid", value: .string(keyID)), .init(key: "nonce", value: .string(nonce)),
                .init(key: "alg", value: .string("hmac-sha256")), .init(key: "created", value: .integer(created)),
                .init(key: "expires", value: .integer(expires)),
            ])
        let base = signatureBase(components.map { ($0.name.lowercased(), AudioHookUpgradeRequest.canonical($0.value)) },
                                 parameters: StructuredField.serialize(list))
        let mac = Array(HMAC<SHA256>.authenticationCode(for: Array(base.utf8), using: SymmetricKey(data: key)))
        return ("\(label)=\(StructuredField.serialize(list))", "\(label)=\(StructuredField.serialize(.bytes(mac)))")
    }

    /// Signs an upgrade the way a Genesys AudioHook client does (the simulator's and the tests' side):
    /// the six required components, a lifetime of `lifetime` seconds. Returns the two header fields to add.
    public static func signUpgrade(target: String, authority: String, organizationId: String, sessionId: String,
                                   correlationId: String, credentials: AudioHookCredentials, nonce: String,
                                   created: Int64, lifetime: Int64 = 30) -> [(name: String, value: String)]
    {
        let key = Array(Data(base64Encoded: credentials.clientSecret.reveal()) ?? Data())
        let apiKey = credentials.apiKey.reveal()
        let signed = sign(components: [("@request-target", target), ("@authority", authority),
                                       ("audiohook-organization-id", organizationId), ("audiohook-session-id", sessionId),
                                       ("audiohook-correlation-id", correlationId), ("x-api-key", apiKey)],
                          keyID: apiKey, key: key, nonce: nonce, created: created, expires: created + lifetime)
        return [("Signature-Input", signed.signatureInput), ("Signature", signed.signature)]
    }

    /// The signature base (RFC 9421 §2.5) for component (name, value) pairs and the serialised
    /// `@signature-params` value.
    static func signatureBase(_ components: [(name: String, value: String)], parameters: String) -> String {
        (components.map { "\(StructuredField.serialize(.string($0.name))): \($0.value)" }
            + ["\"@signature-params\": \(parameters)"]).joined(separator: "\n")
    }

    /// HMAC-SHA256 of `base` with `key`.
    static func mac(_ base: String, key: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(base.utf8), using: SymmetricKey(data: key)))
    }
}
