import Foundation
import Hummingbird
import Synchronization

/// Counts the platform requests the simulator answers, by method and path (ids folded to `{id}`), so tests
/// can compare what a cold and a warm start cost an org's rate-limit budget (`GET /_sim/requests`).
final class SimRequestCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func record(method: String, path: String) {
        guard !path.hasPrefix("/_sim") else { return }
        let key = "\(method) \(Self.fold(path))"
        counts.withLock { $0[key, default: 0] += 1 }
    }

    var snapshot: [String: Int] { counts.withLock { $0 } }

    /// `/api/v2/notifications/channels/abc-123/subscriptions` → `/api/v2/notifications/channels/{id}/subscriptions`.
    static func fold(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { seg -> String in
            let s = String(seg)
            return s.count >= 16 && s.contains(where: \.isNumber) ? "{id}" : s
        }.joined(separator: "/")
    }
}

struct SimRequestCounting: RouterMiddleware {
    typealias Context = SimRequestContext
    let counter: SimRequestCounter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        counter.record(method: request.method.rawValue, path: request.uri.path)
        return try await next(request, context)
    }
}
