import Connector
import GenesysAPI
import Logging
import Synchronization
import SwitchboardCore
import Testing

/// The executor of the token machine with a scripted login host: a failed renewal keeps the old token in use,
/// is retried only after the backoff delays (never in a loop), and the episode is reported once and ended by the
/// success. Real time passes here (the manager sleeps on the continuous clock), but only the script's short
/// delays; the checks are lower bounds (a sleep never ends early), never timings.
@Suite(.timeLimit(.minutes(1))) struct TokenManagerTests {
    /// The login host: answers from a script, records when it was asked.
    final class LoginScript: Sendable {
        enum Answer: Sendable {
            case token(String, Duration)
            case failure(Int)
        }
        private let state: Mutex<(answers: [Answer], calls: [ContinuousClock.Instant])>
        init(_ answers: [Answer]) { state = Mutex((answers, [])) }

        func fetch() throws -> AccessToken {
            let answer = state.withLock { s -> Answer in
                s.calls.append(.now)
                return s.answers.count > 1 ? s.answers.removeFirst() : s.answers[0]
            }
            switch answer {
            case .token(let v, let lifetime): return AccessToken(value: Secret(v), lifetime: lifetime)
            case .failure(let status):
                throw GenesysAPIError(code: status == 401 ? "genesys.auth-failed" : "genesys.server-error",
                                      message: "POST /oauth/token: HTTP \(status)", status: status)
            }
        }
        var calls: [ContinuousClock.Instant] { state.withLock { $0.calls } }
    }

    final class Events: Sendable {
        let all = Mutex<[TokenManager.Event]>([])
        func append(_ e: TokenManager.Event) { all.withLock { $0.append(e) } }
        var failures: [TokenStateMachine.Failure] {
            var out: [TokenStateMachine.Failure] = []
            for e in all.withLock({ $0 }) { if case .failed(_, let f) = e { out.append(f) } }
            return out
        }
        var recovered: [TokenStateMachine.Episode] {
            var out: [TokenStateMachine.Episode] = []
            for e in all.withLock({ $0 }) { if case .issued(_, let r?, _) = e { out.append(r) } }
            return out
        }
    }

    @Test func failedRenewalsBackOffKeepTheOldTokenAndReportOneEpisode() async throws {
        // A 1 s token renewed 0.5 s ahead; the renewal fails three times, then a day-long token arrives.
        let login = LoginScript([.token("old", .seconds(1)), .failure(500), .failure(401), .failure(500),
                                 .token("new", .seconds(86_400))])
        let events = Events()
        let initial = Duration.milliseconds(20)
        let tokens = TokenManager(margin: .milliseconds(500),
                                  retry: Backoff(initial: initial, cap: .seconds(1), jitter: 0, random: { 0 }),
                                  logger: Logger(label: "test.token"), fetch: { try login.fetch() },
                                  onEvent: { events.append($0) })
        let run = Task { await tokens.run() }
        defer { run.cancel() }
        #expect(try await tokens.accessToken().value == Secret("old"))
        #expect(await eventually("the first failure") { !events.failures.isEmpty })
        // While the renewal fails, REST calls still get the old token.
        if events.failures.count < 3 { #expect(try await tokens.accessToken().value == Secret("old")) }
        #expect(await eventually("the recovery") { !events.recovered.isEmpty })
        #expect(try await tokens.accessToken().value == Secret("new"))

        let failures = events.failures
        #expect(failures.map(\.attempt) == [1, 2, 3])
        #expect(Set(failures.map(\.since)).count == 1)
        #expect(failures.first?.hard == false)
        #expect(failures.first?.expiresAt != nil)
        #expect(failures.map(\.delay) == [initial, initial * 2, initial * 4])
        #expect(events.recovered.map(\.failures) == [3])
        // One request per scheduled attempt — no tight loop: each retry waited at least its backoff delay.
        let calls = login.calls
        #expect(calls.count == 5)
        for (i, delay) in [initial, initial * 2, initial * 4].enumerated() where calls.count == 5 {
            #expect(calls[i + 2] - calls[i + 1] >= delay, "retry \(i + 1) after \(calls[i + 2] - calls[i + 1])")
        }
    }
}
