import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import SwitchboardCore

/// The OAuth client-credentials grant: `POST {loginBase}/oauth/token` with HTTP Basic
/// `client_id:client_secret` and the form body `grant_type=client_credentials`.
public struct OAuthClient: Sendable {
    let http: HTTPClient
    let loginBase: String
    let clientID: String
    let clientSecret: Secret
    let timeout: Duration
    let logger: Logger

    public init(http: HTTPClient, loginBase: String, clientID: String, clientSecret: Secret,
                timeout: Duration = .seconds(15), logger: Logger) {
        self.http = http
        self.loginBase = loginBase.hasSuffix("/") ? String(loginBase.dropLast()) : loginBase
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.timeout = timeout
        self.logger = logger
    }

    private struct TokenResponse: Decodable {
        let access_token: String
        let token_type: String?
        let expires_in: Int
    }

    private struct OAuthErrorBody: Decodable {
        let error: String?
        let error_description: String?
        let message: String?
    }

    /// Requests a new token. Throws ``GenesysAPIError`` with code `genesys.auth-failed` when the
    /// credentials are refused (a configuration problem), or a transient code otherwise.
    public func fetchToken() async throws -> AccessToken {
        let what = "POST \(loginBase)/oauth/token"
        var request = HTTPClientRequest(url: "\(loginBase)/oauth/token")
        request.method = .POST
        let basic = Data("\(clientID):\(clientSecret.reveal())".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(basic)")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: "grant_type=client_credentials"))
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw GenesysAPIError.transport(what, error)
        }
        let correlation = response.headers.first(name: "ININ-Correlation-Id")
        let status = Int(response.status.code)
        switch status {
        case 200..<300:
            do {
                let decoded = try JSONDecoder().decode(TokenResponse.self, from: body)
                logger.debug("token issued", metadata: ["expires_in": "\(decoded.expires_in)",
                                                        "correlationId": "\(correlation ?? "-")"])
                return AccessToken(value: Secret(decoded.access_token), lifetime: .seconds(max(decoded.expires_in, 1)))
            } catch {
                throw GenesysAPIError.decode(what, "\(error)", correlationID: correlation)
            }
        case 400, 401, 403:
            let parsed = try? JSONDecoder().decode(OAuthErrorBody.self, from: body)
            let reason = [parsed?.error, parsed?.error_description ?? parsed?.message].compactMap { $0 }.joined(separator: ": ")
            throw GenesysAPIError(
                code: "genesys.auth-failed",
                message: "\(what): HTTP \(status) \(reason.isEmpty ? "" : "(\(reason)) ")for client id '\(clientID)'; "
                    + "check clientId/clientSecret and the loginBase for this org",
                status: status, correlationID: correlation)
        case 429, 500...599:
            throw GenesysAPIError(code: status == 429 ? "genesys.rate-limited" : "genesys.server-error",
                                  message: "\(what): HTTP \(status); will retry with backoff",
                                  status: status, correlationID: correlation)
        default:
            throw GenesysAPIError.http(what, status: status, body: String(buffer: body), correlationID: correlation)
        }
    }
}

extension Duration {
    /// Whole nanoseconds, saturating.
    var nanoseconds: Int64 {
        let (s, a) = components
        let (m, o) = s.multipliedReportingOverflow(by: 1_000_000_000)
        return o ? .max : m &+ a / 1_000_000_000
    }
}
