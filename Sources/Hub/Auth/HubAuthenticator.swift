import Foundation
import JWTKit
import Synchronization
import SwitchboardConfig
import SwitchboardCore

/// Who a downstream connection or request is, and what it may see.
public struct HubPrincipal: Sendable, Equatable {
    /// The client's name from `clients:`, the JWT `sub`, or `anonymous` when auth is disabled.
    public var name: String
    public var scopes: Set<Scope>
    /// Real-time UTC epoch ms after which the credential is no longer valid; nil = never.
    public var expiresAt: EpochMillis?

    public init(name: String, scopes: Set<Scope>, expiresAt: EpochMillis?) {
        self.name = name
        self.scopes = scopes
        self.expiresAt = expiresAt
    }

    /// True when the scopes cover `topic`: `global` covers every topic; `org:<id>` covers `org:<id>` and
    /// `<family>:<id>` (`speech:<id>`, `speechtext:<id>`; never `<family>:global`).
    public func canRead(topic: HubTopic) -> Bool {
        if scopes.contains(.global) { return true }
        switch topic {
        case .org(let id), .family(_, let id): return scopes.contains(.org(id))
        case .global, .familyGlobal: return false
        }
    }

    public var isAdmin: Bool { scopes.contains(.admin) }

    /// The topics a screen opened with this credential shows by default: `global` when it covers every org,
    /// else `org:<id>` per org scope (sorted); none for an `admin`- or `metrics`-only credential.
    public var defaultTopics: [String] {
        if scopes.contains(.global) { return ["global"] }
        return scopes.compactMap { scope -> String? in
            if case .org(let id) = scope { return "org:\(id.rawValue)" }
            return nil
        }.sorted()
    }

    /// May read `GET /metrics`: the `metrics` scope, or `admin`.
    public var canReadMetrics: Bool { scopes.contains(.metrics) || scopes.contains(.admin) }

    /// May open a stream: holds a scope that covers a topic or the admin alerts (`metrics` alone does not).
    public var canStream: Bool { scopes.contains { $0 != .metrics } }

    /// Scope strings, sorted, for frames.
    var scopeNames: [String] { scopes.map(\.description).sorted() }
}

/// Why a credential was refused.
public enum HubAuthFailure: Error, Sendable, Equatable {
    /// No token was presented.
    case missing
    /// The token is unknown, malformed, or its signature/issuer/audience does not verify.
    case invalid
    /// A well-signed JWT whose `exp` has passed.
    case expired
    /// A well-signed JWT whose `nbf` is still ahead (beyond the clock-skew allowance).
    case notYetValid
    /// A well-signed JWT whose `iat` is ahead of the server's clock (beyond the allowance).
    case issuedInFuture

    /// The wire error code.
    public var code: String {
        switch self {
        case .missing, .invalid, .notYetValid, .issuedInFuture: "unauthorized"
        case .expired: "token-expired"
        }
    }

    /// What went wrong, for logs and `error_description` (never the token).
    public var reason: String {
        switch self {
        case .missing: "no bearer token"
        case .invalid: "unknown token or bad signature, issuer or audience"
        case .expired: "the token expired"
        case .notYetValid: "the token is not valid yet (nbf)"
        case .issuedInFuture: "the token claims to be issued in the future (iat)"
        }
    }
}

/// JWT claims understood by the hub: `exp` (required), `scopes` (array) or `scope` (space-separated),
/// optional `sub`, `iss`, `aud`, `nbf`, `iat`.
struct HubClaims: JWTPayload {
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var iat: IssuedAtClaim?
    var sub: SubjectClaim?
    var iss: IssuerClaim?
    var aud: AudienceClaim?
    var scopes: [String]?
    var scope: String?

    // Time claims are checked by the authenticator, so each refusal is reported as what it is.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Checks downstream credentials: static tokens from `clients:` (constant-time, or by SHA-256) and
/// signed JWTs (HS256, RS256). Replace the configuration with ``update(_:)`` on reload.
public final class HubAuthenticator: Sendable {
    private struct State: Sendable {
        var config: AuthConfig
        /// HS256 and RS256 keys, each the default key of its own collection (picked by the header's `alg`).
        var keys: [String: JWTKeyCollection]
    }
    private let state: Mutex<State>
    /// How far `nbf` and `iat` may lie ahead of this server's clock (clocks of token issuers drift).
    public static let clockSkew: Duration = .seconds(60)

    /// - Throws: when the RS256 public key PEM does not parse.
    public init(_ config: AuthConfig) async throws {
        state = Mutex(State(config: config, keys: try await Self.makeKeys(config)))
    }

    /// Installs a new configuration (keys are rebuilt).
    public func update(_ config: AuthConfig) async throws {
        let keys = try await Self.makeKeys(config)
        state.withLock { $0 = State(config: config, keys: keys) }
    }

    public var isDisabled: Bool { state.withLock { $0.config.disabled } }

    /// The principal for `token`, or why not.
    public func authenticate(_ token: String?) async -> Result<HubPrincipal, HubAuthFailure> {
        let (config, keys) = state.withLock { ($0.config, $0.keys) }
        if config.disabled { return .success(HubPrincipal(name: "anonymous", scopes: [.global, .admin, .metrics], expiresAt: nil)) }
        guard let token, !token.isEmpty else { return .failure(.missing) }
        // Every client is compared, so the time taken does not tell which one came close.
        var match: ClientConfig?
        for client in config.clients where client.credential.matches(token) && match == nil { match = client }
        if let match { return .success(HubPrincipal(name: match.name, scopes: Set(match.scopes), expiresAt: nil)) }
        guard let alg = Self.algorithm(of: token), let keys = keys[alg] else { return .failure(.invalid) }
        let claims: HubClaims
        do { claims = try await keys.verify(token, as: HubClaims.self) } catch { return .failure(.invalid) }
        if let iss = config.jwtIssuer, claims.iss?.value != iss { return .failure(.invalid) }
        if let aud = config.jwtAudience, !(claims.aud?.value.contains(aud) ?? false) { return .failure(.invalid) }
        let now = SystemClock.realNow()
        let exp = EpochMillis((claims.exp.value.timeIntervalSince1970 * 1000).rounded(.down))
        if exp <= now { return .failure(.expired) }
        // jwt-kit's own check, with the allowance: the token counts as valid from `nbf - clockSkew`.
        let skewed = Date(timeIntervalSince1970: Double(now) / 1000 + Double(Self.clockSkew.components.seconds))
        if let nbf = claims.nbf {
            do { try nbf.verifyNotBefore(currentDate: skewed) } catch { return .failure(.notYetValid) }
        }
        if let iat = claims.iat, iat.value > skewed { return .failure(.issuedInFuture) }
        var names = claims.scopes ?? []
        if let s = claims.scope { names += s.split(separator: " ").map(String.init) }
        let scopes = Set(names.compactMap(Scope.init(parsing:)))
        return .success(HubPrincipal(name: claims.sub?.value ?? "jwt", scopes: scopes, expiresAt: exp))
    }

    /// The token from `Authorization: Bearer …`, else from `?access_token=…`.
    public static func token(authorization: String?, query: String?) -> String? {
        if let h = authorization, h.count > 7, h.prefix(7).lowercased() == "bearer " {
            return String(h.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0] == "access_token" {
                return String(kv[1]).removingPercentEncoding ?? String(kv[1])
            }
        }
        return nil
    }

    /// The `alg` of a compact JWS header, nil when `token` is not one.
    static func algorithm(of token: String) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var b64 = parts[0].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        struct Header: Decodable { var alg: String }
        guard let data = Data(base64Encoded: b64), let header = try? JSONDecoder().decode(Header.self, from: data)
        else { return nil }
        return header.alg
    }

    private static func makeKeys(_ config: AuthConfig) async throws -> [String: JWTKeyCollection] {
        var out: [String: JWTKeyCollection] = [:]
        if let secret = config.jwtHS256Secret, !secret.isEmpty {
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: secret.reveal()), digestAlgorithm: .sha256)
            out["HS256"] = keys
        }
        if let pem = config.jwtRS256PublicKeyPEM {
            let key: JWTKit.Insecure.RSA.PublicKey
            do { key = try JWTKit.Insecure.RSA.PublicKey(pem: pem) } catch {
                throw SwitchboardError(code: "hub.jwt-key-invalid",
                                       message: "auth.jwt.rs256PublicKey is not a PEM RSA public key (2048 bits or more): \(error)")
            }
            let keys = JWTKeyCollection()
            await keys.add(rsa: key, digestAlgorithm: .sha256)
            out["RS256"] = keys
        }
        return out
    }
}
