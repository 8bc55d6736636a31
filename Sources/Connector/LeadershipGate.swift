import Synchronization
import SwitchboardCore

/// Which orgs' connectors the ``Supervisor`` may run, in a cluster (docs/scale-out.md): only those this replica
/// leads. The leadership driver calls ``lead(_:term:)`` once it holds an org's lock and term and ``release(_:)``
/// when it must stop it; the supervisor reports each stopped connector through the closure given to
/// ``onStopped(_:)`` (a release of an org whose connector is not running is reported at once).
public final class LeadershipGate: Sendable {
    public enum Command: Sendable, Equatable {
        case lead(OrgID, term: Int64)
        case release(OrgID)
    }

    let commands: AsyncStream<Command>
    private let input: AsyncStream<Command>.Continuation
    private let stopped = Mutex<CallbackBox<@Sendable (OrgID) -> Void>?>(nil)  // CallbackBox says why
    private let terms = Mutex<[OrgID: Int64]>([:])
    /// The supervisor has stopped: nothing runs, so a release is reported stopped at once.
    private let finished = Mutex(false)
    private let preparer = Mutex<CallbackBox<@Sendable (OrgID) async -> Void>?>(nil)

    public init() {
        (commands, input) = AsyncStream.makeStream(of: Command.self)
    }

    /// Run the org's connector under `term`.
    public func lead(_ org: OrgID, term: Int64) {
        terms.withLock { $0[org] = term }
        input.yield(.lead(org, term: term))
    }

    /// Stop the org's connector at once.
    public func release(_ org: OrgID) {
        terms.withLock { $0[org] = nil }
        if finished.withLock({ $0 }) {
            reportStopped(org)
        } else {
            input.yield(.release(org))
        }
    }

    /// The orgs led now, with their terms (as commanded: a connector may still be starting or stopping).
    public var leading: [OrgID: Int64] { terms.withLock { $0 } }

    /// What runs before an org's connector starts (the bridge brings its views up to date with the store and lets
    /// the hub publish the org); the connector starts when it returns.
    public func onPrepare(_ prepare: @escaping @Sendable (OrgID) async -> Void) { preparer.withLock { $0 = CallbackBox(prepare) } }

    func prepare(_ org: OrgID) async {
        if let p = preparer.withLock({ $0 })?.call { await p(org) }
    }

    /// Where each stop is reported (the leadership driver's `connectorStopped`).
    public func onStopped(_ report: @escaping @Sendable (OrgID) -> Void) { stopped.withLock { $0 = CallbackBox(report) } }

    func finish() { finished.withLock { $0 = true } }

    func reportStopped(_ org: OrgID) { stopped.withLock { $0 }?.call(org) }
}
