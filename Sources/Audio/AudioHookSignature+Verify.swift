import Crypto
import Foundation
import SwitchboardCore

extension AudioHookSignature {
    /// Verifies a signed upgrade against one org's credentials (the org the listener routed the
    /// request to by its `Audiohook-Organization-Id`).
    ///
    /// Checks, in order: the AudioHook headers are present; `X-API-KEY` is the org's API key; the
    /// request is signed; both signature fields parse; the first signature's covered components include
    /// the six required ones and all resolve; its parameters are known (`alg` is `hmac-sha256`);
    /// `keyid` equals `X-API-KEY`; `created` is neither in the future nor older than `maxAge`, and
    /// `expires` has not passed (both with `clockSkew` tolerance); the `nonce` is long enough; the MAC
    /// matches (compared in constant time); the nonce was not seen before (recorded in `nonces`
    /// only once everything else passed, so forged requests cannot fill the cache).
    ///
    /// - Parameter now: UTC epoch milliseconds.
    /// - Throws: ``AudioHookError`` with an `audiohook.auth.*` code; no message holds a key or secret.
    public static func verify(_ request: AudioHookUpgradeRequest, credentials: AudioHookCredentials, now: EpochMillis,
                              policy: Policy = Policy(), nonces: inout AudioHookNonceCache)
        throws(AudioHookError) -> AudioHookVerifiedUpgrade
    {
        func require(_ name: String) throws(AudioHookError) -> String {
            guard let v = request.header(name), !v.isEmpty else { throw .headerMissing(name) }
            return v
        }
        let apiKey = try require("X-API-KEY")
        let organizationId = try require("Audiohook-Organization-Id")
        let sessionId = try require("Audiohook-Session-Id")
        let correlationId = try require("Audiohook-Correlation-Id")
        guard constantTimeEqual(Array(apiKey.utf8), Array(credentials.apiKey.reveal().utf8)) else { throw .apiKeyMismatch }

        let inputText = request.header("Signature-Input")
        let signatureText = request.header("Signature")
        guard inputText != nil || signatureText != nil else { throw .unsigned }
        guard let inputText else { throw .signatureMalformed("there is a Signature but no Signature-Input header") }
        guard let signatureText else { throw .signatureMalformed("there is a Signature-Input but no Signature header") }
        let inputs: [(key: String, value: StructuredField.Member)]
        let signatures: [(key: String, value: StructuredField.Member)]
        do { inputs = try StructuredField.parseDictionary(inputText) } catch {
            throw .signatureMalformed("Signature-Input is not a structured-field dictionary (\(error.reason))")
        }
        do { signatures = try StructuredField.parseDictionary(signatureText) } catch {
            throw .signatureMalformed("Signature is not a structured-field dictionary (\(error.reason))")
        }
        guard let (label, member) = inputs.first else { throw .signatureMalformed("Signature-Input is empty") }
        guard case .innerList(let list) = member else {
            throw .signatureMalformed("Signature-Input '\(AudioHookError.quote(label))' is not a list of components")
        }
        guard let sigMember = signatures.first(where: { $0.key == label })?.value else {
            throw .signatureMalformed("Signature has no '\(AudioHookError.quote(label))' member to match Signature-Input")
        }
        guard case .item(let sigItem) = sigMember, case .bytes(let signature) = sigItem.value else {
            throw .signatureMalformed("Signature '\(AudioHookError.quote(label))' is not a byte sequence (:base64:)")
        }

        let components = try resolve(list, request)
        let params = try parameters(list)
        guard let keyID = params.keyID else { throw .signatureMalformed("the signature has no keyid parameter") }
        guard constantTimeEqual(Array(keyID.utf8), Array(apiKey.utf8)) else { throw .keyIDMismatch }
        try checkTimes(params, now: now, policy: policy)
        guard let nonce = params.nonce, nonce.count >= policy.minimumNonceLength else {
            throw .nonceMissing(minimum: policy.minimumNonceLength)
        }

        guard let key = Data(base64Encoded: credentials.clientSecret.reveal()), !key.isEmpty else { throw .secretInvalid }
        let base = signatureBase(components, parameters: StructuredField.serialize(list))
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Array(base.utf8), using: SymmetricKey(data: key))
        else { throw .signatureMismatch }

        // Remembered for as long as the signature could pass the age check.
        let until = params.created! * 1000 + policy.maxAge.milliseconds + policy.clockSkew.milliseconds
        switch nonces.record(nonce, until: until, now: now) {
        case .recorded: break
        case .replayed: throw .nonceReplayed
        case .full: throw .replayCacheFull(capacity: nonces.capacity)
        }
        return AudioHookVerifiedUpgrade(organizationId: organizationId, sessionId: sessionId, correlationId: correlationId,
                                        created: params.created!)
    }

    /// Each covered component's (name, value), in the signature's order.
    private static func resolve(_ list: StructuredField.InnerList, _ request: AudioHookUpgradeRequest)
        throws(AudioHookError) -> [(name: String, value: String)]
    {
        var out: [(name: String, value: String)] = []
        for item in list.items {
            guard case .string(let name) = item.value else {
                throw .signatureMalformed("a covered component is not a quoted string")
            }
            let shown = AudioHookError.quote(name)
            guard item.parameters.isEmpty else { throw .signatureMalformed("component '\(shown)' has parameters; none are supported") }
            guard !out.contains(where: { $0.name == name }) else { throw .signatureMalformed("component '\(shown)' is listed twice") }
            let value: String?
            switch name {
            case "@request-target": value = request.target
            case "@authority": value = request.header("Host")
            case "@method": value = request.method
            case "@path": value = String(request.target.prefix { $0 != "?" })
            case "@query": value = request.target.firstIndex(of: "?").map { String(request.target[$0...]) } ?? "?"
            case "@signature-params", "signature", "signature-input":
                throw .signatureMalformed("component '\(shown)' must not be covered")
            default:
                guard !name.hasPrefix("@") else { throw .signatureMalformed("derived component '\(shown)' is not supported") }
                guard name == name.lowercased() else { throw .signatureMalformed("component '\(shown)' must be lower case") }
                value = request.header(name)
            }
            guard let value else { throw .signatureMalformed("component '\(shown)' is covered but absent from the request") }
            out.append((name, value))
        }
        let missing = requiredComponents.filter { r in !out.contains { $0.name == r } }
        guard missing.isEmpty else { throw .componentsMissing(missing) }
        return out
    }

    private struct Parameters {
        var keyID: String?
        var nonce: String?
        var created: Int64?
        var expires: Int64?
    }

    private static func parameters(_ list: StructuredField.InnerList) throws(AudioHookError) -> Parameters {
        var p = Parameters()
        for param in list.parameters {
            switch (param.key, param.value) {
            case ("keyid", .string(let s)): p.keyID = s
            case ("nonce", .string(let s)): p.nonce = s
            case ("tag", .string): break
            case ("alg", .string(let s)): guard s == "hmac-sha256" else { throw .unsupportedAlgorithm(s) }
            case ("created", .integer(let v)) where v >= 0: p.created = v
            case ("expires", .integer(let v)) where v >= 0: p.expires = v
            case ("keyid", _), ("nonce", _), ("tag", _), ("alg", _):
                throw .signatureMalformed("parameter '\(param.key)' must be a string")
            case ("created", _), ("expires", _):
                throw .signatureMalformed("parameter '\(param.key)' must be a whole number of seconds ≥ 0")
            default:
                throw .signatureMalformed("unknown signature parameter '\(AudioHookError.quote(param.key))'")
            }
        }
        return p
    }

    private static func checkTimes(_ p: Parameters, now: EpochMillis, policy: Policy) throws(AudioHookError) {
        guard let created = p.created else { throw .signatureMalformed("the signature has no created parameter") }
        let skew = policy.clockSkew.milliseconds
        let createdMs = created.multipliedReportingOverflow(by: 1000)
        guard !createdMs.overflow, createdMs.partialValue <= now + skew else {
            throw .signatureFuture(seconds: (created - now / 1000), skew: policy.clockSkew)
        }
        if let expires = p.expires, expires * 1000 + skew < now { throw .signatureExpired("its expires time has passed") }
        guard now <= createdMs.partialValue + policy.maxAge.milliseconds + skew else {
            throw .signatureExpired("it was created \((now - createdMs.partialValue) / 1000)s ago, over the \(policy.maxAge.seconds) limit")
        }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        // Compare digests so the time depends on neither the contents nor the lengths.
        let da = Array(SHA256.hash(data: a))
        let db = Array(SHA256.hash(data: b))
        var diff: UInt8 = 0
        for i in 0..<da.count { diff |= da[i] ^ db[i] }
        return diff == 0
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}

// MARK: - Rejections

extension AudioHookError {
    static func headerMissing(_ name: String) -> AudioHookError {
        AudioHookError(code: "audiohook.auth.header-missing",
                       message: "AudioHook upgrade has no \(name) header; only Genesys Cloud AudioHook clients may connect here")
    }

    static let apiKeyMismatch = AudioHookError(
        code: "audiohook.auth.api-key-mismatch",
        message: "AudioHook upgrade's X-API-KEY is not the API key configured for this organization; "
            + "make orgs[].audio.apiKey match the integration's API key in Genesys Cloud")

    static let unsigned = AudioHookError(
        code: "audiohook.auth.unsigned",
        message: "AudioHook upgrade is not signed (no Signature or Signature-Input header); set the client secret "
            + "in the Genesys Cloud AudioHook integration so its requests are signed")

    static func signatureMalformed(_ detail: String) -> AudioHookError {
        AudioHookError(code: "audiohook.auth.signature-malformed", message: "AudioHook upgrade signature is malformed: \(detail)")
    }

    static func componentsMissing(_ names: [String]) -> AudioHookError {
        AudioHookError(code: "audiohook.auth.signature-components",
                       message: "AudioHook upgrade signature does not cover \(names.map { "'\($0)'" }.joined(separator: ", ")); "
                           + "all of \(AudioHookSignature.requiredComponents.joined(separator: ", ")) must be signed")
    }

    static func unsupportedAlgorithm(_ alg: String) -> AudioHookError {
        AudioHookError(code: "audiohook.auth.unsupported-algorithm",
                       message: "AudioHook upgrade signature uses alg '\(quote(alg))'; only hmac-sha256 is supported")
    }

    static let keyIDMismatch = AudioHookError(
        code: "audiohook.auth.keyid-mismatch",
        message: "AudioHook upgrade signature's keyid is not the request's X-API-KEY; the two must be equal")

    static func signatureFuture(seconds: Int64, skew: Duration) -> AudioHookError {
        AudioHookError(code: "audiohook.auth.signature-future",
                       message: "AudioHook upgrade signature was created \(seconds)s in the future (over the \(skew.seconds) "
                           + "clock-skew allowance); check this host's clock (NTP)")
    }

    static func signatureExpired(_ detail: String) -> AudioHookError {
        AudioHookError(code: "audiohook.auth.signature-expired",
                       message: "AudioHook upgrade signature has expired: \(detail); check this host's clock (NTP) if this repeats")
    }

    static func nonceMissing(minimum: Int) -> AudioHookError {
        AudioHookError(code: "audiohook.auth.nonce-missing",
                       message: "AudioHook upgrade signature has no nonce of at least \(minimum) characters; one is required against replay")
    }

    static let secretInvalid = AudioHookError(
        code: "audiohook.auth.secret-invalid",
        message: "this organization's AudioHook client secret is not base64; copy it into orgs[].audio.clientSecret exactly as Genesys Cloud shows it")

    static let signatureMismatch = AudioHookError(
        code: "audiohook.auth.signature-mismatch",
        message: "AudioHook upgrade signature does not match; check that orgs[].audio.clientSecret is the integration's client secret")

    static let nonceReplayed = AudioHookError(
        code: "audiohook.auth.nonce-replayed",
        message: "AudioHook upgrade reuses the nonce of an earlier accepted upgrade (a replayed request); refused")

    static func replayCacheFull(capacity: Int) -> AudioHookError {
        AudioHookError(code: "audiohook.auth.replay-cache-full",
                       message: "AudioHook upgrade refused: \(capacity) recent nonces are held, the most allowed; try again shortly")
    }

    /// The upgrade names an organization no configured org has (routing, before verification).
    public static func unknownOrganization(_ id: String) -> AudioHookError {
        AudioHookError(code: "audiohook.auth.unknown-organization",
                       message: "AudioHook upgrade's Audiohook-Organization-Id '\(quote(id))' belongs to no configured org; "
                           + "set orgs[].audio.organizationId, or check which org's integration points here")
    }

    /// The HTTP status for refusing an upgrade with this error: 503 when the replay cache is full,
    /// 401 for other authentication failures, 400 otherwise.
    public var httpStatus: Int {
        if code == "audiohook.auth.replay-cache-full" { return 503 }
        return code.hasPrefix("audiohook.auth.") ? 401 : 400
    }
}
