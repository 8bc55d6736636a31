import Crypto
import Foundation
import SwitchboardCore

/// The Genesys side of the AudioHook wire, written independently of the bridge's `Audio` target so a
/// shape bug on either side shows: client messages as JSON text, a tolerant reading of the server's
/// messages, and the signed upgrade (RFC 9421, `hmac-sha256`). See docs/audio.md.
public enum SimAudioHookWire {
    /// Stream position or duration in milliseconds as an ISO-8601 duration in seconds (`PT12.34S`).
    public static func duration(ms: Int64) -> String {
        let whole = ms / 1000, frac = ms % 1000
        if frac == 0 { return "PT\(whole)S" }
        var f = String(frac)
        while f.count < 3 { f = "0" + f }
        while f.hasSuffix("0") { f.removeLast() }
        return "PT\(whole).\(f)S"
    }

    /// A JSON string literal.
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// One client message: `{"version":"2","id","type","seq","serverseq","position","parameters"}`.
    public static func message(session: String, type: String, seq: Int, serverseq: Int, positionMs: Int64,
                               parameters: String = "{}") -> String {
        "{\"version\":\"2\",\"id\":\(quote(session)),\"type\":\(quote(type)),\"seq\":\(seq),\"serverseq\":\(serverseq),"
            + "\"position\":\"\(duration(ms: positionMs))\",\"parameters\":\(parameters)}"
    }

    /// `open` parameters: stereo PCMU at 8 kHz, customer (`external`) and agent (`internal`).
    public static func openParameters(organizationId: String, conversationId: String, participantId: String,
                                      ani: String, aniName: String, dnis: String, language: String = "en-US") -> String {
        "{\"organizationId\":\(quote(organizationId)),\"conversationId\":\(quote(conversationId)),"
            + "\"participant\":{\"id\":\(quote(participantId)),\"ani\":\(quote(ani)),\"aniName\":\(quote(aniName)),\"dnis\":\(quote(dnis))},"
            + "\"media\":[{\"type\":\"audio\",\"format\":\"PCMU\",\"channels\":[\"external\",\"internal\"],\"rate\":8000}],"
            + "\"language\":\(quote(language))}"
    }

    /// What the client needs of a server message.
    public struct ServerMessage: Sendable, Equatable {
        public var type: String
        public var seq: Int
        public var clientseq: Int?
        /// `disconnect`'s `reason` and `info`.
        public var reason: String?
        public var info: String?
    }

    /// Reads a server message; nil when it is not a JSON object with a `type` and a `seq`.
    public static func parse(_ text: String) -> ServerMessage? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let type = object["type"] as? String, let seq = (object["seq"] as? NSNumber)?.intValue
        else { return nil }
        let parameters = object["parameters"] as? [String: Any]
        return ServerMessage(type: type, seq: seq, clientseq: (object["clientseq"] as? NSNumber)?.intValue,
                             reason: parameters?["reason"] as? String, info: parameters?["info"] as? String)
    }

    // MARK: Signed upgrade

    /// The headers of a signed upgrade to `target` (path and query) on `authority` (the `Host` header), as
    /// Genesys sends them: `X-API-KEY`, `Audiohook-Organization-Id`, `-Session-Id`, `-Correlation-Id`,
    /// `Signature-Input` (the six components; `keyid`, `nonce`, `alg`, `created`, `expires`) and `Signature`
    /// (HMAC-SHA256 keyed with the base64-decoded client secret). `tamper` flips one bit of the MAC.
    public static func signedHeaders(target: String, authority: String, organizationId: String, sessionId: String,
                                     correlationId: String, apiKey: Secret, clientSecret: Secret, nonce: String,
                                     created: Int64, lifetime: Int64 = 30, tamper: Bool = false) -> [(name: String, value: String)]
    {
        let key = apiKey.reveal()
        let components: [(String, String)] = [
            ("@request-target", target), ("@authority", authority), ("audiohook-organization-id", organizationId),
            ("audiohook-session-id", sessionId), ("audiohook-correlation-id", correlationId), ("x-api-key", key),
        ]
        let params = "(" + components.map { sfString($0.0) }.joined(separator: " ") + ")"
            + ";keyid=\(sfString(key));nonce=\(sfString(nonce));alg=\"hmac-sha256\";created=\(created);expires=\(created + lifetime)"
        let base = (components.map { "\(sfString($0.0)): \($0.1)" } + ["\"@signature-params\": \(params)"]).joined(separator: "\n")
        let secret = Data(base64Encoded: clientSecret.reveal()) ?? Data()
        var mac = Array(HMAC<SHA256>.authenticationCode(for: Array(base.utf8), using: SymmetricKey(data: secret)))
        if tamper { mac[0] ^= 0x01 }
        return [
            ("X-API-KEY", key), ("Audiohook-Organization-Id", organizationId), ("Audiohook-Session-Id", sessionId),
            ("Audiohook-Correlation-Id", correlationId), ("Signature-Input", "sig1=\(params)"),
            ("Signature", "sig1=:\(Data(mac).base64EncodedString()):"),
        ]
    }

    /// An RFC 8941 string.
    static func sfString(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// A fresh nonce as Genesys makes them: 18 random bytes, 24 base64 characters.
    static func nonce<G: RandomNumberGenerator>(using rng: inout G) -> String {
        Data((0..<18).map { _ in UInt8.random(in: 0...255, using: &rng) }).base64EncodedString()
    }
}
