import Foundation
import Logging
import Synchronization

/// A swift-log handler writing one JSON object per line (`--log-format json`), for log shippers:
///
/// `{"time":"2026-05-07T12:00:00.000Z","level":"warning","label":"switchboard.connector","message":"session ended","org":"us","reason":"stale"}`
///
/// Metadata keys become top-level fields (values as strings, lists and dictionaries as JSON); a key that
/// would shadow `time`, `level`, `label` or `message` is written as `meta.<key>`.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let write: @Sendable ([UInt8]) -> Void

    /// - Parameter write: receives each line, newline included (default: standard error).
    public init(label: String, write: @escaping @Sendable ([UInt8]) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let extra = event.metadata { all.merge(extra) { _, new in new } }
        write(Self.line(time: SystemClock.realNow(), level: event.level, label: label, message: "\(event.message)",
                        metadata: all))
    }

    /// One encoded line (exposed for tests).
    public static func line(time: EpochMillis, level: Logger.Level, label: String, message: String,
                            metadata: Logger.Metadata) -> [UInt8] {
        var o: [UInt8] = Array(#"{"time":""#.utf8)
        Timestamp.append(time, to: &o)
        o.append(contentsOf: #"","level":"#.utf8)
        JSONText.appendString(level.rawValue, to: &o)
        o.append(contentsOf: #","label":"#.utf8)
        JSONText.appendString(label, to: &o)
        o.append(contentsOf: #","message":"#.utf8)
        JSONText.appendString(message, to: &o)
        for key in metadata.keys.sorted() {
            o.append(UInt8(ascii: ","))
            JSONText.appendString(reserved.contains(key) ? "meta.\(key)" : key, to: &o)
            o.append(UInt8(ascii: ":"))
            append(metadata[key]!, to: &o)
        }
        o.append(contentsOf: "}\n".utf8)
        return o
    }

    static let reserved: Set<String> = ["time", "level", "label", "message"]

    private static func append(_ value: Logger.Metadata.Value, to o: inout [UInt8]) {
        switch value {
        case .string(let s): JSONText.appendString(s, to: &o)
        case .stringConvertible(let c): JSONText.appendString(c.description, to: &o)
        case .array(let items):
            o.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { o.append(UInt8(ascii: ",")) }
                append(item, to: &o)
            }
            o.append(UInt8(ascii: "]"))
        case .dictionary(let dict):
            o.append(UInt8(ascii: "{"))
            for (i, key) in dict.keys.sorted().enumerated() {
                if i > 0 { o.append(UInt8(ascii: ",")) }
                JSONText.appendString(key, to: &o)
                o.append(UInt8(ascii: ":"))
                append(dict[key]!, to: &o)
            }
            o.append(UInt8(ascii: "}"))
        }
    }

    private static let lock = Mutex(())

    /// Writes a line to standard error in one call (lines from concurrent tasks never interleave).
    public static let standardError: @Sendable ([UInt8]) -> Void = { bytes in
        lock.withLock { _ in FileHandle.standardError.write(Data(bytes)) }
    }
}
