import Hummingbird
import Logging
import NIOCore

/// One `info` line per HTTP request: method, path, query with credentials masked, status, time to the
/// response head in ms, and the peer's address. Stream upgrades are logged in the same form by
/// ``StreamUpgrade`` (`101` when accepted).
///
/// ```
/// info switchboard.http: GET /v1/views/org:us?access_token=*** 200 3ms 127.0.0.1:53122
/// ```
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, context, status: Int(response.status.code), since: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            log(request, context, status: Int(status), since: start)
            throw error
        }
    }

    private func log(_ request: Request, _ context: Context, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        var target = request.uri.path
        if let query = request.uri.query, !query.isEmpty { target += "?" + Self.masked(query: query) }
        let remote = context.channel.remoteAddress.map(ConnectionGatePolicy.describe) ?? "-"
        logger.info("\(request.method) \(target) \(status) \(ms)ms \(remote)", metadata: [
            "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(status)", "ms": "\(ms)",
            "remote": "\(remote)",
        ])
    }

    /// `query` with the value of every parameter that may hold a credential (a name containing
    /// `token`, `secret`, `password`, `key` or `sig`) or personal data (`customer`: a journey search's phone
    /// number or email address) replaced by `***`.
    static func masked(query: String) -> String {
        query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            guard let eq = pair.firstIndex(of: "=") else { return String(pair) }
            let name = pair[..<eq].lowercased()
            let secret = ["token", "secret", "password", "key", "sig", "customer"].contains { name.contains($0) }
            return secret ? String(pair[...eq]) + "***" : String(pair)
        }.joined(separator: "&")
    }
}
