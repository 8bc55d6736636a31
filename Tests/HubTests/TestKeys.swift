import Foundation
import Hub
import JWTKit
import NIOFoundationCompat
import SwitchboardConfig
import SwitchboardCore
import Testing

/// A test-only RSA key pair (generated for these tests; protects nothing).
enum TestKeys {
    static let rsaPrivatePEM = """
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCtOZM5vd6o9dsA
R9n7vKacxRnTxzrAPrKPyti6Xyw0K+hCFZTc0MujPZYAA/gep9M3kI9KV/OijjcN
CpNaOQ3Z/NyGOikFpNgIXVPjKBIqVvjccLFO9HpZbnDCH9h+TpuCqLhjrHtgdCrA
rYoxGxMo1xXL8CUcH9HKs/Hy/O680yXB/ob6efUp2N8MpeYI6djxW7dolzF+NEJ+
pHFuNOfzYijBOIwWKNcwkkXE7Nnh7055KrRfGC8x3otD6TZSLZuIIB5aCG9qSR2S
uKuyR3ebGO98qP08rBegDmtsx4MZ4aAiq8nMVjH1Ba6tnJ82w15CfButEOnThC+j
QPgP7zKPAgMBAAECggEAES002pRnuERMt33ocQxXTxNCSNwoCLkO1rBMBkr6pJ+3
85mVPcIcdy7bqVu7ZjrI+GkGtF39RCCq98mVK+ydYYCv00WAHNWoMEgk0dD+4CDo
o18vTb9zRFvtpWon+vpLdEzLn+KSB1HtjVaH7e+b2kBdom/JFj1XfayTML+A4ss5
VZIfR+m25e1FhNFmpBjg/oZAx+7ft/AwGfKSBAwy6JVS8szEXCviF65C45XvvIKR
dvEq2i6SyUpi82xH9Vx1bpZqMy4Df80ow+rH7AYlQqIaQcW5WnafucVVmNPgJxZP
W3o5mZtxuGDDNNu3dM6SRsI//cyqoaM/NSHZJLHNvQKBgQDb2+B52gs+aOowuTxs
ZJBFQKWcszUul6zS7K74ttmA5yJSPJT/W2SdXQ4bmgIPdmjtKYFqXYc3oe3lUclf
E712ntndpt2kYp/nRAwJZjFcj40rYFS1A9B4gmE/oWWSm5XrUdzCmb4tilFgKFZr
LUjs3Tobp7zELkNY2vSxmVJK+wKBgQDJsz38V/VFQTsgaA62s8qdEd299+moV36C
91n8bKh6YQkALA26qkA/H0awJtO7khlb6fEIewopvEpgqObr64R/ympdjVIzDmkn
xJ4GdqD/JLRJbIQPzYziwlHwwbFboEErsc14ETS2Z5K9bcdm+N9s6U3yOydrEKAo
fV5x0H3ifQKBgALsBiy4aCPZMxuYqqPqJjy1Yj4V56QJ4gMfoCewDm33JG6hXX2T
UmABB5n4TwSzlytnvM+UFKL5pPbCQoHf+kmkTNL0T8fKg8OIFPze/dL0GXU1H4sU
VOX1HaPB2l67cJ+jA+MWNf/W8cPsZVGhVXHIcuhBL3IQB1cb+dqOZhiXAoGBAKOV
W5BtRd8FKI7/1e8XohwBgXWwuzBsxY4yTikLdxjJ2iLpl7jsm26WTx5OXyqhMy/4
bCQUpglzTF9YnPB58twxrlJxa1k9NsuqCv/y9l/3xMBH4lNuwfSm5Q3+CXnmXvSx
H5NhYP8OwVQg1LgO4CXUkgMDNtT+huZPx2lHTtGBAoGAJK1qzXgxc2Hf5BENfmNO
VfTIdlzREkF+TxErnqcHJyWCJ46Uf8l9A5QHKovhsRzO8gHfzMwyNRA+vElyAWFR
/MWDEvxKRG++H9/BVaZvOiVEDEiX1uOuo9laKxkmsMIuxLj1s1ZKmaxm8/4zy0Vg
g+8OZqZReEA2YyU+W7BjK+s=
-----END PRIVATE KEY-----
"""
    static let rsaPublicPEM = """
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArTmTOb3eqPXbAEfZ+7ym
nMUZ08c6wD6yj8rYul8sNCvoQhWU3NDLoz2WAAP4HqfTN5CPSlfzoo43DQqTWjkN
2fzchjopBaTYCF1T4ygSKlb43HCxTvR6WW5wwh/Yfk6bgqi4Y6x7YHQqwK2KMRsT
KNcVy/AlHB/RyrPx8vzuvNMlwf6G+nn1KdjfDKXmCOnY8Vu3aJcxfjRCfqRxbjTn
82IowTiMFijXMJJFxOzZ4e9OeSq0XxgvMd6LQ+k2Ui2biCAeWghvakkdkrirskd3
mxjvfKj9PKwXoA5rbMeDGeGgIqvJzFYx9QWurZyfNsNeQnwbrRDp04Qvo0D4D+8y
jwIDAQAB
-----END PUBLIC KEY-----
"""
    static let hsSecret = "test-hs256-secret-of-decent-length"

    struct Claims: JWTPayload {
        var exp: ExpirationClaim
        var sub: SubjectClaim
        var scopes: [String]?
        var scope: String?
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func hs256(scopes: [String]? = nil, scope: String? = nil, expiresIn seconds: Double) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: hsSecret), digestAlgorithm: .sha256)
        return try await keys.sign(Claims(exp: .init(value: Date(timeIntervalSinceNow: seconds)), sub: "tester",
                                          scopes: scopes, scope: scope))
    }

    /// jwt-kit's own time claims: `nbf` and `iat` relative to now (nil leaves the claim out).
    struct TimedClaims: JWTPayload {
        var exp: ExpirationClaim
        var nbf: NotBeforeClaim?
        var iat: IssuedAtClaim?
        var sub: SubjectClaim
        var scopes: [String]
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func hs256(scopes: [String], expiresIn seconds: Double, notBeforeIn nbf: Double?, issuedIn iat: Double?)
        async throws -> String
    {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: hsSecret), digestAlgorithm: .sha256)
        return try await keys.sign(TimedClaims(exp: .init(value: Date(timeIntervalSinceNow: seconds)),
                                               nbf: nbf.map { .init(value: Date(timeIntervalSinceNow: $0)) },
                                               iat: iat.map { .init(value: Date(timeIntervalSinceNow: $0)) },
                                               sub: "timed", scopes: scopes))
    }

    static func rs256(scopes: [String], expiresIn seconds: Double) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(rsa: try Insecure.RSA.PrivateKey(pem: rsaPrivatePEM), digestAlgorithm: .sha256)
        return try await keys.sign(Claims(exp: .init(value: Date(timeIntervalSinceNow: seconds)), sub: "rs-tester",
                                          scopes: scopes))
    }
}
