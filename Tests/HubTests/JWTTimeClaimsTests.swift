import Foundation
import Hub
import SwitchboardConfig
import SwitchboardCore
import Testing

/// `nbf` and `iat` (jwt-kit's own claims) are checked with a small clock-skew allowance.
@Suite("JWT time claims")
struct JWTTimeClaimsTests {
    static func authenticator() async throws -> HubAuthenticator {
        try await HubAuthenticator(HubHarness.auth([], hs256: TestKeys.hsSecret))
    }

    static func check(nbf: Double?, iat: Double?) async throws -> Result<HubPrincipal, HubAuthFailure> {
        let token = try await TestKeys.hs256(scopes: ["global"], expiresIn: 7200, notBeforeIn: nbf, issuedIn: iat)
        return try await authenticator().authenticate(token)
    }

    @Test func aTokenValidFromNextHourIsRefused() async throws {
        #expect(try await Self.check(nbf: 3600, iat: nil) == .failure(.notYetValid))
        #expect(try await Self.check(nbf: 3600, iat: -10) == .failure(.notYetValid))
    }

    @Test func aTokenIssuedInTheFutureIsRefused() async throws {
        #expect(try await Self.check(nbf: nil, iat: 3600) == .failure(.issuedInFuture))
    }

    @Test func aSmallClockSkewIsAllowed() async throws {
        #expect(HubAuthenticator.clockSkew == .seconds(60))
        for (nbf, iat) in [(20.0, nil), (nil, 20.0), (20.0, 20.0), (-600.0, -600.0), (nil, nil)] as [(Double?, Double?)] {
            let result = try await Self.check(nbf: nbf, iat: iat)
            guard case .success(let principal) = result else {
                Issue.record("nbf \(String(describing: nbf)), iat \(String(describing: iat)): \(result)")
                continue
            }
            #expect(principal.scopes == [.global])
        }
        // Just past the allowance.
        #expect(try await Self.check(nbf: 90, iat: nil) == .failure(.notYetValid))
        #expect(try await Self.check(nbf: nil, iat: 90) == .failure(.issuedInFuture))
    }

    @Test func theRefusalsSayWhatIsWrongWithoutTheToken() {
        #expect(HubAuthFailure.notYetValid.reason.contains("nbf"))
        #expect(HubAuthFailure.issuedInFuture.reason.contains("iat"))
        #expect(HubAuthFailure.notYetValid.code == "unauthorized")
        #expect(HubAuthFailure.expired.code == "token-expired")
    }
}
