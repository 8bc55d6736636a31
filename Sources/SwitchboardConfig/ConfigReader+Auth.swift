import Foundation
import JWTKit
import SwitchboardCore
import Yams

extension ConfigReader {
    static let authKeys = ["jwt"]
    static let jwtKeys = ["hs256Secret", "hs256SecretFile", "rs256PublicKey", "issuer", "audience"]
    static let clientKeys = ["name", "token", "tokenFile", "tokenSha256", "scopes"]

    /// `auth:` and `clients:`; `orgIDs` are the declared orgs, which `org:<id>` scopes must name.
    func auth(_ top: Fields, orgIDs: [OrgID]) -> AuthConfig {
        var a = AuthConfig()
        if let node = top["auth"] { readAuth(node, into: &a) }
        if let node = top["clients"] { a.clients = clients(node, orgIDs: orgIDs) }
        let declaresClients = top["clients"].map { !$0.array().isEmpty } ?? false
        let declaresJWT = top["auth"]?.mapping?["jwt"] != nil
        let typoed = top.hasOrSuggests("auth") && !top.has("auth") || top.hasOrSuggests("clients") && !top.has("clients")
        if !a.disabled && !declaresClients && !declaresJWT && !typoed {
            report("missing-key", at: top.keyMark("auth") ?? top.mark,
                   "top level: no way for clients to authenticate; add 'clients:' with tokens, "
                   + "'auth: {jwt: …}', or 'auth: none' (loopback demo only)")
        }
        return a
    }

    private func readAuth(_ node: Node, into a: inout AuthConfig) {
        if case .scalar(let s) = node, !Self.isNull(node) {
            if s.string.trimmingWhitespace() == "none" {
                a.disabled = true
            } else {
                report("value", at: node.mark, "auth: unknown value '\(s.string)'; write 'none' or a mapping with 'jwt:'")
            }
            return
        }
        guard let f = fields(node, path: "auth", allowed: Self.authKeys),
              let jwtNode = f["jwt"],
              let jwt = fields(jwtNode, path: "auth.jwt", allowed: Self.jwtKeys) else { return }
        a.jwtHS256Secret = secret(jwt, "hs256Secret", suggestedVariable: "SWITCHBOARD_JWT_SECRET",
                                  fileExample: "/run/secrets/switchboard-jwt", required: false).secret
        if let n = jwt["rs256PublicKey"] { a.jwtRS256PublicKeyPEM = publicKeyPEM(n, path: jwt.path("rs256PublicKey")) }
        a.jwtIssuer = string(jwt, "issuer", example: "https://idp.example.com/")
        a.jwtAudience = string(jwt, "audience", example: "switchboard")
        if !["hs256Secret", "hs256SecretFile", "rs256PublicKey"].contains(where: jwt.hasOrSuggests) {
            report("missing-key", at: jwt.mark,
                   "auth.jwt: missing 'hs256Secret' or 'rs256PublicKey'; add one to verify JWT signatures")
        }
    }

    /// An inline PEM (the value starts with `-----BEGIN`), or a path to a PEM file, relative to the
    /// configuration file's directory.
    private func publicKeyPEM(_ node: Node, path: String) -> String? {
        guard let value = text(node, path: path, expected: "a PEM public key or a path to one",
                               example: "keys/jwt-public.pem") else { return nil }
        let trimmed = value.trimmingWhitespace()
        if trimmed.hasPrefix("-----BEGIN") {
            guard trimmed.contains("-----END") else {
                report("value", at: node.mark, "\(path): the PEM has no '-----END' line; paste the whole key")
                return nil
            }
            return checkedRSAKey(trimmed, at: node, path: path, source: "the PEM")
        }
        let url = resolve(trimmed)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            report("file", at: node.mark, "\(path): cannot read '\(url.path)'; "
                + "check the path (relative paths start at the config file's directory) or paste the PEM inline")
            return nil
        }
        readFiles.append(url.path)
        let pem = String(decoding: data, as: UTF8.self).trimmingWhitespace()
        guard pem.hasPrefix("-----BEGIN") else {
            report("value", at: node.mark, "\(path): '\(url.path)' is not a PEM file; "
                + "point it at a file starting with -----BEGIN PUBLIC KEY-----")
            return nil
        }
        return checkedRSAKey(pem, at: node, path: path, source: "'\(url.path)'")
    }

    /// The PEM when it holds an RSA public key the hub can verify with (the same parser as the hub's), so
    /// a key the bridge could not use fails `check-config`, the start and a reload alike.
    private func checkedRSAKey(_ pem: String, at node: Node, path: String, source: String) -> String? {
        do {
            _ = try Insecure.RSA.PublicKey(pem: pem)
            return pem
        } catch {
            report("value", at: node.mark, "\(path): \(source) is not an RSA public key of 2048 bits or more; "
                + "export the public key with 'openssl rsa -pubout' (or 'openssl pkey -pubout')")
            return nil
        }
    }

    func clients(_ node: Node, orgIDs: [OrgID]) -> [ClientConfig] {
        guard let items = list(node, path: "clients", example: "a list of '- name: …' entries") else { return [] }
        var result: [ClientConfig] = []
        var firstByName: [String: Int] = [:]
        var firstByCredential: [ClientCredential: Int] = [:]
        for (i, item) in items.enumerated() {
            let path = "clients[\(i)]"
            guard let f = fields(item, path: path, allowed: Self.clientKeys) else { continue }
            let before = diagnostics.count
            let name = require(f, "name", example: "dashboard").flatMap {
                nonEmptyString($0, path: f.path("name"), example: "dashboard")
            }
            if let name, let nameNode = f["name"] {
                if let first = firstByName[name], let line = items[first].mark?.line {
                    report("duplicate", at: nameNode.mark,
                           "\(f.path("name")): duplicate client name '\(name)' (first at line \(line)); give each client its own name")
                } else {
                    firstByName[name] = i
                }
            }
            let credential = clientCredential(f)
            if let credential, let first = firstByCredential[credential] {
                let at = f["token"] ?? f["tokenFile"] ?? f["tokenSha256"]
                report("duplicate", at: at?.mark, "\(path): same token as clients[\(first)]; give each client its own token")
            } else if let credential {
                firstByCredential[credential] = i
            }
            var scopes: [Scope] = []
            if let n = require(f, "scopes", example: "[global]"),
               let list = list(n, path: f.path("scopes"), example: "[global], [admin, global] or [org:us]") {
                if list.isEmpty {
                    report("value", at: n.mark, "\(f.path("scopes")): is empty; give at least one of global, admin, metrics, org:<id>")
                }
                for (j, s) in list.enumerated() {
                    if let scope = scope(s, path: "\(f.path("scopes"))[\(j)]", orgIDs: orgIDs) { scopes.append(scope) }
                }
            }
            if diagnostics.count == before, let name, let credential {
                result.append(ClientConfig(name: name, credential: credential, scopes: scopes))
            }
        }
        return result
    }

    private func clientCredential(_ f: Fields) -> ClientCredential? {
        let keys = ["token", "tokenFile", "tokenSha256"]
        let given = keys.filter(f.has)
        if given.count > 1 {
            let names = given.map { "'\($0)'" }
            let list = names.count == 2 ? "both \(names[0]) and \(names[1])" : names.joined(separator: ", ")
            report("value", at: f.keyMark(given[1]), "\(f.label): \(list) are given; keep one")
            return nil
        }
        switch (f["token"], f["tokenFile"], f["tokenSha256"]) {
        case (nil, nil, nil) where keys.contains(where: f.hasOrSuggests):
            return nil
        case (nil, nil, nil):
            report("missing-key", at: f.mark, "\(f.label): missing required key 'tokenSha256' or 'token'; "
                + "add 'tokenSha256: <hex>' (make one with 'switchboard token new'), 'token: ${VAR}' or 'tokenFile: <path>'")
            return nil
        case (let token?, _, _):
            let path = f.path("token")
            guard let value = text(token, path: path, expected: "a token", example: "${DASHBOARD_TOKEN}") else { return nil }
            return strongToken(value, at: token, path: path)
        case (nil, let file?, _):
            let path = f.path("tokenFile")
            guard let secret = secretFile(file, path: path), !secret.isEmpty else { return nil }  // empty: unchecked
            return strongToken(secret.reveal(), at: file, path: path)
        case (nil, nil, let hash?):
            let path = f.path("tokenSha256")
            guard let value = text(hash, path: path, expected: "a SHA-256 hex digest",
                                   example: "the output of printf %s \"$TOKEN\" | sha256sum") else { return nil }
            let hex = value.trimmingWhitespace().lowercased()
            guard hex.count == 64, hex.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) })
            else {
                report("value", at: hash.mark, "\(path): expected 64 hex digits; write the output of "
                    + "printf %s \"$TOKEN\" | sha256sum (without the trailing ' -')")
                return nil
            }
            return .sha256(hex)
        }
    }

    /// A static token that resists guessing (``TokenStrength``); the token is never printed.
    private func strongToken(_ value: String, at node: Node, path: String) -> ClientCredential? {
        guard !value.isEmpty else {
            report("value", at: node.mark, "\(path): the token is empty; use a long random token")
            return nil
        }
        if let problem = TokenStrength(value).problem {
            report("weak-token", at: node.mark, "\(path): \(problem); make one with 'switchboard token new' "
                + "(or 'openssl rand -base64 32'), or give 'tokenSha256' of such a token")
            return nil
        }
        return .token(Secret(value))
    }

    /// `global`, `admin`, `metrics` or `org:<id>` naming a declared org.
    func scope(_ node: Node, path: String, orgIDs: [OrgID]) -> Scope? {
        guard let t = text(node, path: path, expected: "a scope", example: "global") else { return nil }
        let value = t.trimmingWhitespace()
        guard let scope = Scope(parsing: value) else {
            let guess = DidYouMean.suggest(value, from: ["global", "admin", "metrics"]).map { "did you mean '\($0)'?" }
            report("value", at: node.mark,
                   "\(path): unknown scope '\(shown(node, value))'; " + (guess ?? "use global, admin, metrics or org:<id>"))
            return nil
        }
        if case .org(let id) = scope, !orgIDs.contains(id) {
            let known = orgIDs.map { "org:\($0)" }
            let hint = DidYouMean.suggest(value, from: known).map { "did you mean '\($0)'?" }
                ?? (known.isEmpty ? "declare the org under 'orgs:'" : "use one of \(known.joined(separator: ", "))")
            report("scope", at: node.mark, "\(path): scope '\(shown(node, value))' names no declared org; \(hint)")
            return nil
        }
        return scope
    }
}
