import Logging
import Synchronization

/// A log handler that keeps every record, for tests that check what is (and is not) logged.
struct CapturingLogHandler: LogHandler {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]

        /// The message and every metadata value, for "never logged" checks.
        var everything: String { ([message] + metadata.map { "\($0.key)=\($0.value)" }).joined(separator: " ") }
    }

    final class Store: Sendable {
        private let m = Mutex<[Record]>([])
        var records: [Record] { m.withLock { $0 } }
        func append(_ r: Record) { m.withLock { $0.append(r) } }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        for (k, v) in event.metadata ?? [:] { all[k] = v }
        store.append(Record(level: event.level, message: event.message.description, metadata: all.mapValues { "\($0)" }))
    }

    /// A logger at `info` writing into a fresh store.
    static func logger() -> (Logger, Store) {
        let store = Store()
        return (Logger(label: "capture") { _ in CapturingLogHandler(store: store) }, store)
    }
}
