import Foundation
import SwitchboardCore
import Yams

/// `orgs[].audio`: the org's AudioHook Monitor integration.
extension ConfigReader {
    static let audioKeys = ["organizationId", "apiKey", "apiKeyFile", "clientSecret", "clientSecretFile"]

    /// The section, or nil after reporting what is wrong with it. `apiKey` and `clientSecret` are both
    /// required and, like every secret, only `${VAR}` references or `…File` paths.
    func audio(_ node: Node, path: String, org: OrgID) -> AudioConfig? {
        refuseForeignAudioKeys(node, path: path, seed: false)
        guard let f = fields(node, path: path, allowed: Self.audioKeys + Self.seedAudioKeys) else { return nil }
        let before = diagnostics.count
        let prefix = org.rawValue.uppercased().replacingOccurrences(of: "-", with: "_")
        var organizationId: String?
        if let n = f["organizationId"],
           let id = nonEmptyString(n, path: f.path("organizationId"), example: Self.exampleUUID) {
            if Self.isUUID(id) {
                organizationId = id.lowercased()
            } else {
                report("value", at: n.mark, "\(f.path("organizationId")): '\(shown(n, id))' is not a Genesys organization id; "
                    + "organization ids are UUIDs such as \(Self.exampleUUID) (Admin > Organization Settings), or leave the key "
                    + "out to learn it from /api/v2/organizations/me")
            }
        }
        let apiKey = secret(f, "apiKey", suggestedVariable: "\(prefix)_AUDIOHOOK_API_KEY",
                            fileExample: "/run/secrets/audiohook-\(org)-api-key", required: true).secret
        let clientSecret = secret(f, "clientSecret", suggestedVariable: "\(prefix)_AUDIOHOOK_CLIENT_SECRET",
                                  fileExample: "/run/secrets/audiohook-\(org)-client-secret", required: true).secret
        if let clientSecret, !clientSecret.isEmpty, !Self.isBase64Key(clientSecret.reveal()) {
            // An empty secret is the --no-env placeholder: unchecked, not wrong.
            let key = f.has("clientSecret") ? "clientSecret" : "clientSecretFile"
            report("value", at: f[key]?.mark, "\(f.path(key)): the client secret is not base64; copy it exactly as the "
                + "Genesys Cloud AudioHook integration shows it (its value is not printed here)")
        }
        guard diagnostics.count == before, let apiKey, let clientSecret else { return nil }
        return AudioConfig(organizationId: organizationId, apiKey: apiKey, clientSecret: clientSecret)
    }

    /// Non-empty base64 (standard alphabet, padded) that decodes to at least one byte.
    static func isBase64Key(_ s: String) -> Bool {
        guard let data = Data(base64Encoded: s) else { return false }
        return !data.isEmpty
    }
}
