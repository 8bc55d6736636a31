import SwitchboardCore

/// A failure talking to the Genesys Cloud platform (or the simulator standing in for it).
///
/// Codes are stable and safe as metric labels:
/// `genesys.rate-limited`, `genesys.server-error`, `genesys.unauthorized`, `genesys.auth-failed`,
/// `genesys.bad-request`, `genesys.not-found`, `genesys.transport`, `genesys.decode`.
public struct GenesysAPIError: CodedError, Equatable {
    public let code: String
    public let message: String
    /// The HTTP status, when there was a response.
    public let status: Int?
    /// The platform's `ININ-Correlation-Id`, for support tickets.
    public let correlationID: String?

    public init(code: String, message: String, status: Int? = nil, correlationID: String? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.correlationID = correlationID
    }

    /// True for errors a later attempt may cure (rate limits, 5xx, transport).
    public var isTransient: Bool {
        code == "genesys.rate-limited" || code == "genesys.server-error" || code == "genesys.transport"
    }

    static func rateLimited(_ what: String, retryAfter: Int?, correlationID: String?) -> Self {
        .init(code: "genesys.rate-limited",
              message: "\(what): rate limited (429, Retry-After \(retryAfter.map { "\($0) s" } ?? "absent")); "
                  + "retries exhausted or the wait is too long; lower the polling rate or ask Genesys to raise the limit",
              status: 429, correlationID: correlationID)
    }

    static func serverError(_ what: String, status: Int, correlationID: String?) -> Self {
        .init(code: "genesys.server-error",
              message: "\(what): HTTP \(status) after retrying with backoff; the platform is unwell, check status.mypurecloud.com",
              status: status, correlationID: correlationID)
    }

    static func unauthorized(_ what: String, correlationID: String?) -> Self {
        .init(code: "genesys.unauthorized",
              message: "\(what): HTTP 401 even with a freshly issued token; check the OAuth client's roles",
              status: 401, correlationID: correlationID)
    }

    static func http(_ what: String, status: Int, body: String, correlationID: String?) -> Self {
        let code: String
        switch status {
        case 404: code = "genesys.not-found"
        case 403: code = "genesys.forbidden"
        default: code = "genesys.bad-request"
        }
        let snippet = body.count > 300 ? String(body.prefix(300)) + "…" : body
        return .init(code: code, message: "\(what): HTTP \(status): \(snippet)", status: status, correlationID: correlationID)
    }

    static func transport(_ what: String, _ error: any Error) -> Self {
        .init(code: "genesys.transport", message: "\(what): \(error); check the network and the org's apiBase/loginBase")
    }

    static func decode(_ what: String, _ detail: String, correlationID: String?) -> Self {
        .init(code: "genesys.decode", message: "\(what): unexpected response shape: \(detail)", correlationID: correlationID)
    }
}
