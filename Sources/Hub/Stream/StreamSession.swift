import Foundation
import Logging
import NIOCore
import SwitchboardCore

/// One client → server frame (docs/protocol.md).
struct ClientOp: Decodable {
    /// `42` or `"a"`: echoed in the pong as given.
    enum PingID: Decodable {
        case int(Int64)
        case string(String)
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let i = try? c.decode(Int64.self) { self = .int(i) } else { self = .string(try c.decode(String.self)) }
        }
        var json: String {
            switch self {
            case .int(let i): return String(i)
            case .string(let s):
                var o: [UInt8] = []
                JSONText.appendString(s, to: &o)
                return String(decoding: o, as: UTF8.self)
            }
        }
    }
    var op: String
    var topic: String?
    var since: ResumePoint?
    /// `subscribe` only: deltas with field-level patches (docs/protocol.md "Patches").
    var patches: Bool?
    /// `subscribe` only: the kinds and fields wanted (docs/protocol.md "Selecting kinds and fields").
    var select: SelectSpec?
    var token: String?
    var id: PingID?
}

/// What one stream connection's client asks for: its text messages (`subscribe`, `unsubscribe`, `ping`,
/// `auth`), handled in arrival order by ``StreamCommandQueue``'s pump. The socket itself — frames, writes,
/// closes — is ``StreamChannelHandler``'s; token expiry, write timeouts and forced closes are the hub's
/// watchdog (``StreamHub/checkConnections(now:)``).
struct StreamSession: Sendable {
    let hub: StreamHub
    let conn: ClientConnection
    let logger: Logger

    func handle(_ text: String) async {
        guard let op = try? JSONDecoder().decode(ClientOp.self, from: Data(text.utf8)) else {
            conn.push(.control(HubFrame.error("bad-request", "expected a JSON object with an \"op\" (subscribe, unsubscribe, ping, auth)")))
            return
        }
        switch op.op {
        case "subscribe":
            guard let topic = op.topic else { return badRequest("subscribe needs a \"topic\"") }
            var selection: StreamSelection?
            if let spec = op.select {
                switch StreamSelection.make(spec) {
                case .success(let s): selection = s
                case .failure(let e):
                    conn.push(.control(HubFrame.error(e.code, e.message, topic: topic)))
                    return
                }
            }
            await hub.subscribe(conn, topicName: topic, since: op.since, patches: op.patches ?? false, select: selection)
        case "unsubscribe":
            guard let topic = op.topic else { return badRequest("unsubscribe needs a \"topic\"") }
            hub.unsubscribe(conn, topicName: topic)
        case "ping":
            conn.push(.control(HubFrame.pong(idJSON: op.id?.json)))
        case "auth":
            guard let token = op.token else { return badRequest("auth needs a \"token\"") }
            switch await hub.authenticator.authenticate(token) {
            case .success(let principal):
                hub.apply(principal: principal, token: Secret(token), to: conn)
                conn.push(.control(HubFrame.authenticated(expiresAt: principal.expiresAt, scopes: principal.scopeNames)))
            case .failure(let failure):
                hub.metrics.authRefused(status: 401)
                logger.notice("in-band authentication failed", metadata: ["reason": "\(failure.reason)",
                                                                         "client": "\(conn.principal.name)"])
                conn.push(.control(HubFrame.error(failure.code, "the new token was refused; the current one stays in force")))
            }
        default:
            badRequest("unknown op \"\(op.op)\"")
        }
    }

    private func badRequest(_ message: String) {
        conn.push(.control(HubFrame.error("bad-request", message)))
    }
}
