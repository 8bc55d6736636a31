import Logging
import Synchronization
import SwitchboardCore

/// A stand-in for the speech views: counts AudioHook sessions' reports and logs opens and ends.
// replaced by the speech views at merge
public final class LoggingSpeechSink: SpeechEventSink {
    let logger: Logger
    private let counts = Mutex<(opened: Int, progress: Int, ended: Int)>((0, 0, 0))

    public init(logger: Logger) {
        self.logger = logger
    }

    public func ingest(speech events: [SpeechEvent]) {
        for event in events {
            switch event {
            case .opened(let e):
                counts.withLock { $0.opened += 1 }
                logger.debug("speech session opened", metadata: ["org": "\(e.org)", "session": "\(e.session)"])
            case .progress:
                counts.withLock { $0.progress += 1 }
            case .ended(let e):
                counts.withLock { $0.ended += 1 }
                logger.debug("speech session ended", metadata: ["org": "\(e.org)", "session": "\(e.session)",
                                                                "reason": "\(e.reason)", "analysedMs": "\(e.metrics.analysedMs)"])
            }
        }
    }

    /// Reports received so far.
    public var received: (opened: Int, progress: Int, ended: Int) { counts.withLock { $0 } }
}
