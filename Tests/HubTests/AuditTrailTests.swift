import AsyncHTTPClient
import Foundation
import Hub
import NIOCore
import SwitchboardConfig
import SwitchboardCore
import Testing

/// What the bridge tells browsers (security headers) and operators (access log, failed
/// authentications) — and that no token ever reaches a log line.
@Suite("Security headers and audit trail")
struct AuditTrailTests {
    static let auth = HubHarness.auth([("dash", "t-global-audit-secret", [.global]),
                                       ("emea", "t-emea-audit-secret", [.org("emea")])])

    @Test func everyResponseCarriesTheSecurityHeaders() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            for (path, token, status) in [("/", nil, 200), ("/app.js", nil, 200), ("/healthz", nil, 200),
                                          ("/no-such-file", nil, 404), ("/v1/views/global", nil, 401),
                                          ("/v1/views/global", "t-emea-audit-secret", 403),
                                          ("/v1/views/org:emea", "t-emea-audit-secret", 200)] as [(String, String?, Int)] {
                let a = try await RefusalStatusTests.get(h.port, path, token: token)
                #expect(a.status == status, "for \(path)")
                #expect(a.headers["x-frame-options"] == "DENY", "for \(path)")
                #expect(a.headers["x-content-type-options"] == "nosniff", "for \(path)")
                #expect(a.headers["referrer-policy"] == "no-referrer", "for \(path)")
                let csp = a.headers["content-security-policy"] ?? ""
                for directive in ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
                                  "connect-src 'self' ws://127.0.0.1:\(h.port) wss://127.0.0.1:\(h.port)"] {
                    #expect(csp.contains(directive), "for \(path): \(csp)")
                }
                if path.hasPrefix("/v1/") { #expect(a.headers["cache-control"] == "no-store", "for \(path)") }
            }
        }
    }

    @Test func theDashboardUsesNoInlineScriptOrStyleTheCSPWouldBlock() throws {
        // The policy allows only same-origin files: no <script> or <style> bodies, no on…= handlers, no
        // style="…" in markup (setting element.style from script is allowed).
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/Hub/Dashboard").standardizedFileURL
        let files = try FileManager.default.contentsOfDirectory(atPath: root.path)
        #expect(files.contains("index.html"))
        for name in files where name.hasSuffix(".html") || name.hasSuffix(".js") {
            let text = try String(contentsOf: root.appendingPathComponent(name), encoding: .utf8)
            #expect(!text.contains("style=\""), "inline style attribute in \(name)")
            #expect(text.range(of: #"\son[a-z]+=""#, options: .regularExpression) == nil, "inline handler in \(name)")
            #expect(text.range(of: #"<script(?![^>]*\ssrc=)[^>]*>"#, options: .regularExpression) == nil,
                    "inline script in \(name)")
            #expect(!text.contains("<style"), "inline <style> in \(name)")
            #expect(!text.contains("eval("), "eval in \(name)")
        }
    }

    @Test func requestsAreLoggedWithCredentialsMaskedAndFailuresWithTheirReason() async throws {
        let (logger, store) = CapturingLogHandler.logger()
        try await HubHarness.run(auth: Self.auth, logger: logger) { h in
            _ = try await RefusalStatusTests.get(h.port, "/v1/views/org:emea?access_token=t-emea-audit-secret&x=1")
            _ = try await RefusalStatusTests.get(h.port, "/?token=t-global-audit-secret")
            _ = try await RefusalStatusTests.get(h.port, "/v1/views/global?access_token=wrong-audit-secret")
            _ = try await RefusalStatusTests.get(h.port, "/v1/views/global", token: "t-emea-audit-secret")
            // A journey search names a customer (personal data): masked like a credential.
            _ = try await RefusalStatusTests.get(h.port, "/v1/journeys?org=emea&customer=%2B15559990042",
                                                 token: "t-global-audit-secret")
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await probe.run(port: h.port, token: "t-global-audit-secret") }
                probe.send(#"{"op":"auth","token":"bad-inband-audit-secret"}"#)
                let reply = try await probe.next()
                #expect(reply["code"] as? String == "unauthorized")
                probe.stop()
                tg.cancelAll()
            }
            let refused = try await RefusalStatusTests.upgrade(h.port, token: "wrong-upgrade-audit-secret")
            #expect(refused.status == 401)

            let records = store.records
            let messages = records.map(\.message)
            func logged(_ prefix: String, _ status: Int) -> Bool {
                messages.contains { $0.hasPrefix(prefix + " \(status) ") && $0.contains("ms 127.0.0.1:") }
            }
            #expect(logged("GET /v1/views/org:emea?access_token=***&x=1", 200), "\(messages)")
            #expect(logged("GET /?token=***", 200))
            #expect(logged("GET /v1/views/global?access_token=***", 401))
            #expect(logged("GET /v1/views/global", 403))
            #expect(logged("GET /v1/journeys?org=emea&customer=***", 404), "\(messages)")
            #expect(logged("GET /v1/stream?access_token=***", 101))
            #expect(logged("GET /v1/stream?access_token=***", 401))
            let accessLines = records.filter { $0.metadata["status"] != nil && $0.metadata["remote"] != nil }
            #expect(accessLines.allSatisfy { $0.level == .info })

            let failures = records.filter { $0.message == "authentication failed" }
            #expect(failures.count == 2)
            #expect(failures.allSatisfy { $0.level == .notice && $0.metadata["reason"] != nil && $0.metadata["path"] != nil })
            #expect(records.contains { $0.message.hasPrefix("access denied") && $0.metadata["needs"] == "global" })
            #expect(records.contains { $0.message == "in-band authentication failed" && $0.metadata["client"] == "dash" })
            #expect(records.contains { $0.message == "stream opened" && $0.metadata["client"] == "dash" })

            for r in records { #expect(!r.everything.contains("audit-secret"), "a token was logged: \(r.everything)") }
            for r in records { #expect(!r.everything.contains("5559990042"), "a customer was logged: \(r.everything)") }
        }
    }
}
