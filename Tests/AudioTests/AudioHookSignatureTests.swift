@testable import Audio
import Foundation
import SwitchboardCore
import Testing

@Suite("AudioHook upgrade signatures")
struct AudioHookSignatureTests {
    // The example of Genesys's AudioHook documentation (and of the reference implementation's tests).
    static let apiKey = "SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh"
    static let clientSecret = "TXlTdXBlclNlY3JldEtleVRlbGxOby0xITJAMyM0JDU="
    static let credentials = AudioHookCredentials(apiKey: Secret(apiKey), clientSecret: Secret(clientSecret))
    static let created: Int64 = 1_641_013_200
    static let documentedHeaders: [(name: String, value: String)] = [
        ("Host", "audiohook.example.com"),
        ("Connection", "Upgrade"),
        ("Upgrade", "websocket"),
        ("Sec-WebSocket-Key", "SSdtIGEgV2ViU29ja2V0IQ=="),
        ("Sec-WebSocket-Version", "13"),
        ("User-Agent", "GenesysCloud-AudioHook-Client"),
        ("Audiohook-Organization-Id", "d7934305-0972-4844-938e-9060eef73d05"),
        ("Audiohook-Correlation-Id", "e160e428-53e2-487c-977d-96989bf5c99d"),
        ("Audiohook-Session-Id", "30b0e395-84d3-4570-ac13-9a62d8f514c0"),
        ("X-API-KEY", apiKey),
        ("Signature-Input", #"sig1=("@request-target" "@authority" "audiohook-organization-id" "audiohook-session-id" "audiohook-correlation-id" "x-api-key");keyid="SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh";nonce="VGhpc0lzQVVuaXF1ZU5vbmNl";alg="hmac-sha256";created=1641013200;expires=3282026430"#),
        ("Signature", "sig1=:NZBwyBHRRyRoeLqy1IzOa9VYBuI8TgMFt2GRDkDuJh4=:"),
    ]
    static let documented = AudioHookUpgradeRequest(target: "/api/v1/voicebiometrics/ws", headers: documentedHeaders)

    static func verify(_ request: AudioHookUpgradeRequest, credentials: AudioHookCredentials = credentials,
                       now: EpochMillis = created * 1000 + 2_000, nonces: inout AudioHookNonceCache)
        -> Result<AudioHookVerifiedUpgrade, AudioHookError>
    {
        do {
            return .success(try AudioHookSignature.verify(request, credentials: credentials, now: now, nonces: &nonces))
        } catch {
            return .failure(error)
        }
    }

    static func code(_ request: AudioHookUpgradeRequest, credentials: AudioHookCredentials = credentials,
                     now: EpochMillis = created * 1000 + 2_000) -> String? {
        var nonces = AudioHookNonceCache()
        if case .failure(let e) = verify(request, credentials: credentials, now: now, nonces: &nonces) { return e.code }
        return nil
    }

    /// A request signed now by the test, as a Genesys client signs it.
    static func signed(created: Int64 = created, nonce: String = "bm9uY2Utbm9uY2Utbm9uY2Ut", target: String = "/audiohook/v1",
                       secret: String = clientSecret, lifetime: Int64 = 30) -> AudioHookUpgradeRequest {
        var headers: [(name: String, value: String)] = [
            ("Host", "bridge.example.com:8443"),
            ("Audiohook-Organization-Id", Fixture.organization),
            ("Audiohook-Session-Id", Fixture.session),
            ("Audiohook-Correlation-Id", "e160e428-53e2-487c-977d-96989bf5c99d"),
            ("X-API-KEY", apiKey),
        ]
        headers += AudioHookSignature.signUpgrade(
            target: target, authority: "bridge.example.com:8443", organizationId: Fixture.organization,
            sessionId: Fixture.session, correlationId: "e160e428-53e2-487c-977d-96989bf5c99d",
            credentials: AudioHookCredentials(apiKey: Secret(apiKey), clientSecret: Secret(secret)),
            nonce: nonce, created: created, lifetime: lifetime)
        return AudioHookUpgradeRequest(target: target, headers: headers)
    }

    static func replacing(_ r: AudioHookUpgradeRequest, _ name: String, with value: String?) -> AudioHookUpgradeRequest {
        var r = r
        r.headers.removeAll { $0.name.lowercased() == name.lowercased() }
        if let value { r.headers.append((name, value)) }
        return r
    }

    // MARK: Known vectors

    @Test func theDocumentedExampleVerifies() throws {
        var nonces = AudioHookNonceCache()
        let verified = try AudioHookSignature.verify(Self.documented, credentials: Self.credentials,
                                                     now: Self.created * 1000 + 5_000, nonces: &nonces)
        #expect(verified == AudioHookVerifiedUpgrade(organizationId: "d7934305-0972-4844-938e-9060eef73d05",
                                                     sessionId: "30b0e395-84d3-4570-ac13-9a62d8f514c0",
                                                     correlationId: "e160e428-53e2-487c-977d-96989bf5c99d", created: Self.created))
        #expect(nonces.count == 1)
    }

    @Test func headerOrderAndCaseDoNotMatter() {
        let shuffled = AudioHookUpgradeRequest(
            target: Self.documented.target,
            headers: Self.documentedHeaders.reversed().map { ($0.name.uppercased(), $0.value) })
        #expect(Self.code(shuffled) == nil)
    }

    /// The reference implementation's signature-builder test: the same inputs with `host` instead of
    /// `@authority` give its published signature.
    @Test func theReferenceBuilderVectorSigns() {
        let signed = AudioHookSignature.sign(
            components: [("@request-target", "/api/v1/voicebiometrics/ws"), ("host", "audiohook.example.com"),
                         ("audiohook-organization-id", "d7934305-0972-4844-938e-9060eef73d05"),
                         ("audiohook-session-id", "30b0e395-84d3-4570-ac13-9a62d8f514c0"),
                         ("audiohook-correlation-id", "e160e428-53e2-487c-977d-96989bf5c99d"),
                         ("x-api-key", Self.apiKey)],
            keyID: Self.apiKey, key: Array(Data(base64Encoded: Self.clientSecret)!), nonce: "VGhpc0lzQVVuaXF1ZU5vbmNl",
            created: 1_641_013_200, expires: 3_282_026_430)
        #expect(signed.signature == "sig1=:zupMJUMfd/kMuvKc5zhRyfJPE3jTROuz1S1hn8SCTpE=:")
        #expect(signed.signatureInput == #"sig1=("@request-target" "host" "audiohook-organization-id" "audiohook-session-id" "audiohook-correlation-id" "x-api-key");keyid="SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh";nonce="VGhpc0lzQVVuaXF1ZU5vbmNl";alg="hmac-sha256";created=1641013200;expires=3282026430"#)
    }

    /// RFC 9421 appendix B.2.5 (HMAC-SHA256 with the shared test secret).
    @Test func theRFC9421VectorMatches() throws {
        let key = Array(Data(base64Encoded: "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==")!)
        let input = #"sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret""#
        let parsed = try StructuredField.parseDictionary(input)
        guard case .innerList(let list) = try #require(parsed.first).value else { Issue.record("not a list"); return }
        let base = AudioHookSignature.signatureBase(
            [("date", "Tue, 20 Apr 2021 02:07:55 GMT"), ("@authority", "example.com"), ("content-type", "application/json")],
            parameters: StructuredField.serialize(list))
        #expect(base == """
            "date": Tue, 20 Apr 2021 02:07:55 GMT
            "@authority": example.com
            "content-type": application/json
            "@signature-params": ("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"
            """)
        #expect(Data(AudioHookSignature.mac(base, key: key)).base64EncodedString() == "pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=")
    }

    @Test func whatTheSignerSignsTheVerifierAccepts() throws {
        var nonces = AudioHookNonceCache()
        for i in 0..<20 {
            let nonce = "nonce-\(i)-" + String(repeating: "x", count: 20)
            let r = Self.signed(created: Self.created + Int64(i), nonce: nonce, target: "/audiohook/v1?org=us&n=\(i)")
            let verified = try AudioHookSignature.verify(r, credentials: Self.credentials, now: (Self.created + Int64(i)) * 1000,
                                                         nonces: &nonces)
            #expect(verified.sessionId == Fixture.session)
        }
    }

    // MARK: Rejections

    @Test func aTamperedComponentFails() {
        let r = Self.signed()
        #expect(Self.code(r) == nil)
        #expect(Self.code(Self.replacing(r, "Audiohook-Session-Id", with: "00000000-0000-0000-0000-000000000001"))
            == "audiohook.auth.signature-mismatch")
        #expect(Self.code(Self.replacing(r, "Host", with: "evil.example.com")) == "audiohook.auth.signature-mismatch")
        var moved = r
        moved.target = "/audiohook/v2"
        #expect(Self.code(moved) == "audiohook.auth.signature-mismatch")
    }

    @Test func aWrongSecretFails() {
        let other = Data("another secret entirely".utf8).base64EncodedString()
        #expect(Self.code(Self.signed(secret: other)) == "audiohook.auth.signature-mismatch")
        let bad = AudioHookCredentials(apiKey: Secret(Self.apiKey), clientSecret: Secret("not base64 at all!"))
        #expect(Self.code(Self.signed(), credentials: bad) == "audiohook.auth.secret-invalid")
    }

    @Test func theAPIKeyMustBeTheOrgsAndTheKeyID() {
        let otherOrg = AudioHookCredentials(apiKey: Secret("another-api-key"), clientSecret: Secret(Self.clientSecret))
        #expect(Self.code(Self.signed(), credentials: otherOrg) == "audiohook.auth.api-key-mismatch")
        // X-API-KEY changed to match the org but the signature's keyid still names the old key.
        let r = Self.replacing(Self.signed(), "X-API-KEY", with: "another-api-key")
        #expect(Self.code(r, credentials: otherOrg) == "audiohook.auth.keyid-mismatch")
    }

    @Test func timesAreCheckedWithSkewTolerance() {
        let ms = Self.created * 1000
        let r = Self.signed()
        #expect(Self.code(r, now: ms) == nil)
        #expect(Self.code(r, now: ms - 3_000) == nil, "up to 3 s ahead of our clock")
        #expect(Self.code(r, now: ms - 3_001) == "audiohook.auth.signature-future")
        #expect(Self.code(r, now: ms + 13_000) == nil, "10 s max age + 3 s skew")
        #expect(Self.code(r, now: ms + 13_001) == "audiohook.auth.signature-expired")
        let short = Self.signed(lifetime: 2)
        #expect(Self.code(short, now: ms + 5_000) == nil)
        #expect(Self.code(short, now: ms + 5_001) == "audiohook.auth.signature-expired")
    }

    @Test func aReplayedNonceIsRefused() {
        var nonces = AudioHookNonceCache()
        let r = Self.signed()
        let now = Self.created * 1000 + 1_000
        guard case .success = Self.verify(r, now: now, nonces: &nonces) else { Issue.record("first use refused"); return }
        guard case .failure(let e) = Self.verify(r, now: now + 500, nonces: &nonces) else { Issue.record("replay accepted"); return }
        #expect(e.code == "audiohook.auth.nonce-replayed")
        #expect(e.httpStatus == 401)
        // A forged request reusing a fresh nonce does not burn it.
        let fresh = Self.signed(nonce: "fresh-nonce-fresh-nonce-1")
        guard case .failure = Self.verify(Self.replacing(fresh, "Audiohook-Session-Id", with: Fixture.conversation), now: now,
                                          nonces: &nonces) else { Issue.record("forgery accepted"); return }
        guard case .success = Self.verify(fresh, now: now, nonces: &nonces) else { Issue.record("fresh nonce refused"); return }
    }

    @Test func theNonceMustBeLongEnough() {
        #expect(Self.code(Self.signed(nonce: "short")) == "audiohook.auth.nonce-missing")
        #expect(Self.code(Self.signed(nonce: String(repeating: "n", count: 22))) == nil)
    }

    @Test func missingPiecesAreNamed() {
        let r = Self.signed()
        #expect(Self.code(Self.replacing(r, "X-API-KEY", with: nil)) == "audiohook.auth.header-missing")
        #expect(Self.code(Self.replacing(r, "Audiohook-Organization-Id", with: nil)) == "audiohook.auth.header-missing")
        #expect(Self.code(Self.replacing(Self.replacing(r, "Signature", with: nil), "Signature-Input", with: nil))
            == "audiohook.auth.unsigned")
        #expect(Self.code(Self.replacing(r, "Signature", with: nil)) == "audiohook.auth.signature-malformed")
        #expect(Self.code(Self.replacing(r, "Signature-Input", with: "sig1=(")) == "audiohook.auth.signature-malformed")
        #expect(Self.code(Self.replacing(r, "Signature", with: "sig2=:AAAA:")) == "audiohook.auth.signature-malformed")
        #expect(Self.code(Self.replacing(r, "Host", with: nil)) == "audiohook.auth.signature-malformed")
    }

    @Test func everyRequiredComponentMustBeCovered() {
        let key = Array(Data(base64Encoded: Self.clientSecret)!)
        let base = Self.signed()
        for dropped in AudioHookSignature.requiredComponents {
            var components: [(name: String, value: String)] = []
            for name in AudioHookSignature.requiredComponents where name != dropped {
                let value = switch name {
                case "@request-target": base.target
                case "@authority": base.header("Host")!
                default: base.header(name)!
                }
                components.append((name, value))
            }
            let s = AudioHookSignature.sign(components: components, keyID: Self.apiKey, key: key,
                                            nonce: "cover-cover-cover-cover-1", created: Self.created, expires: Self.created + 30)
            let r = Self.replacing(Self.replacing(base, "Signature-Input", with: s.signatureInput), "Signature", with: s.signature)
            #expect(Self.code(r) == "audiohook.auth.signature-components", "\(dropped)")
        }
    }

    @Test func onlyHMACSHA256IsAccepted() {
        let r = Self.signed()
        let input = r.header("Signature-Input")!.replacingOccurrences(of: "hmac-sha256", with: "rsa-pss-sha512")
        #expect(Self.code(Self.replacing(r, "Signature-Input", with: input)) == "audiohook.auth.unsupported-algorithm")
        let unknown = r.header("Signature-Input")! + ";color=\"red\""
        #expect(Self.code(Self.replacing(r, "Signature-Input", with: unknown)) == "audiohook.auth.signature-malformed")
    }

    @Test func noMessageHoldsTheKeyOrSecret() {
        let secretBytes = String(decoding: Data(base64Encoded: Self.clientSecret)!, as: UTF8.self)
        let r = Self.signed()
        let variants: [(AudioHookUpgradeRequest, AudioHookCredentials, EpochMillis)] = [
            (Self.replacing(r, "Audiohook-Session-Id", with: Fixture.conversation), Self.credentials, Self.created * 1000),
            (r, AudioHookCredentials(apiKey: Secret("zzz"), clientSecret: Secret(Self.clientSecret)), Self.created * 1000),
            (r, Self.credentials, Self.created * 1000 + 60_000),
            (r, Self.credentials, Self.created * 1000 - 60_000),
            (Self.replacing(r, "X-API-KEY", with: "zzz"), AudioHookCredentials(apiKey: Secret("zzz"), clientSecret: Secret(Self.clientSecret)),
             Self.created * 1000),
            (r, AudioHookCredentials(apiKey: Secret(Self.apiKey), clientSecret: Secret("!!")), Self.created * 1000),
        ]
        for (request, credentials, now) in variants {
            var nonces = AudioHookNonceCache()
            guard case .failure(let e) = Self.verify(request, credentials: credentials, now: now, nonces: &nonces) else {
                Issue.record("accepted")
                continue
            }
            for secret in [Self.apiKey, Self.clientSecret, secretBytes, "zzz", "!!"] {
                #expect(!e.message.contains(secret), "\(e.code) shows a secret")
                #expect(!e.description.contains(secret))
            }
        }
    }
}

@Suite("AudioHook nonce cache")
struct AudioHookNonceCacheTests {
    @Test func holdsEachNonceUntilItExpires() {
        var cache = AudioHookNonceCache(capacity: 10)
        #expect(cache.record("a", until: 1_000, now: 0) == .recorded)
        #expect(cache.record("a", until: 2_000, now: 999) == .replayed)
        #expect(cache.record("a", until: 2_000, now: 1_000) == .recorded)
        #expect(cache.count == 1)
    }

    @Test func isBoundedAndFailsClosed() {
        var cache = AudioHookNonceCache(capacity: 3)
        for n in ["a", "b", "c"] { #expect(cache.record(n, until: 100, now: 0) == .recorded) }
        #expect(cache.record("d", until: 100, now: 50) == .full)
        #expect(cache.record("a", until: 100, now: 50) == .replayed)
        // Once they expire there is room again, and the memory is released.
        #expect(cache.record("d", until: 200, now: 100) == .recorded)
        #expect(cache.count == 1)
        for i in 0..<10_000 { _ = cache.record("n\(i)", until: Int64(i) + 5, now: Int64(i)) }
        #expect(cache.count <= 3)
    }
}
