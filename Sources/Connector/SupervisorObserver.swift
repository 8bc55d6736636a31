import SwitchboardConfig
import SwitchboardCore

/// Told about every configuration the supervisor applies or refuses, so the composition root can
/// update the views (`setOrgs`), the hub (`setOrgs`, `updateAuth`) and `/readyz`.
public protocol SupervisorObserver: Sendable {
    /// A configuration is now in force. `diff` is nil for the first one.
    func configApplied(_ config: SwitchboardConfiguration, diff: ConfigDiff?) async
    /// An edit was refused; the running configuration stays. `diagnostics` are `file:line:column: message` lines.
    func configRejected(_ diagnostics: [String]) async
    /// A reload read a valid configuration identical to the one in force (e.g. a refused edit was undone):
    /// nothing changes, but an earlier refusal no longer holds.
    func configUnchanged() async
}

extension SupervisorObserver {
    public func configUnchanged() async {}
}

/// Opens once; every waiter, present and future, then proceeds.
final class Latch: Sendable {
    private let box = LockedBox<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func open() {
        let waiters: [CheckedContinuation<Void, Never>] = box.withLock {
            $0.open = true
            let w = $0.waiters
            $0.waiters = []
            return w
        }
        for w in waiters { w.resume() }
    }

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let proceed: Bool = box.withLock {
                if $0.open { return true }
                $0.waiters.append(c)
                return false
            }
            if proceed { c.resume() }
        }
    }
}
