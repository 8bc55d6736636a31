import Foundation
import SwitchboardCore

/// A platform error response: status plus an `ErrorBody` (the platform's `ErrorBody` model).
struct APIError: Error, Sendable {
    var status: Int
    var code: String
    var message: String
    var headers: [(String, String)] = []

    static func badRequest(_ message: String) -> APIError {
        APIError(status: 400, code: "bad.request", message: message)
    }
    static func notFound(_ message: String) -> APIError {
        APIError(status: 404, code: "not.found", message: message)
    }
    static let badCredentials = APIError(
        status: 401, code: "bad.credentials", message: "Invalid login credentials.")

    /// The `ErrorBody` JSON.
    func body(contextID: String) -> [UInt8] {
        var w = JSONWriter()
        w.object { w in
            w.field("message", message)
            w.field("code", code)
            w.field("status", status)
            w.field("messageWithParams", message)
            w.object("messageParams") { _ in }
            w.field("contextId", contextID)
            w.array("details") { _ in }
            w.array("errors") { _ in }
        }
        return w.bytes
    }
}
