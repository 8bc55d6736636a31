import Foundation
import SwitchboardCore

/// The stored form of polled utilization and quality (docs/store.md, "Documents"): the one place where the
/// bridge, which writes them, and the exports, which read earlier days back, agree on kinds, keys and JSON.
///
/// - `utilization`: one document per agent (key: its platform id) and per queue rollup (key
///   `queue/<platform id>`) and day: an ``AgentUtilization`` as JSON (its `Codable` form).
/// - `quality`: one document per org and day (key `org`): the whole ``QualityReport`` of the latest poll.
///   One document rather than one per agent because a report is a snapshot of the org (an agent absent from
///   it has no evaluations any more): read back, it is exactly what the views were last given.
extension StoredDocument {
    /// The key of an org's quality document.
    public static let qualityKey = "org"

    /// The document of one agent's (or queue rollup's) utilization; nil for an empty one (a new day's
    /// first poll clears yesterday's agents with empty lists: nothing worth keeping).
    public static func utilization(_ u: AgentUtilization) -> StoredDocument? {
        guard !u.intervals.isEmpty else { return nil }
        let key = u.subject == .queue ? "queue/\(u.agent.platformID)" : u.agent.platformID
        return StoredDocument(kind: .utilization, org: u.agent.org, dayStart: u.dayStart, key: key, asOf: u.asOf,
                              json: encode(u))
    }

    /// The document of an org's quality poll; nil when the report does not say which day it covers.
    public static func quality(_ q: QualityReport) -> StoredDocument? {
        guard let day = q.dayStart else { return nil }
        return StoredDocument(kind: .quality, org: q.org, dayStart: day, key: qualityKey, asOf: q.asOf, json: encode(q))
    }

    /// This `utilization` document's contents.
    /// - Throws: ``StoreError`` `store.corrupt` when its JSON is not an ``AgentUtilization``.
    public func utilization() throws -> AgentUtilization {
        try decode(AgentUtilization.self)
    }

    /// This `quality` document's contents.
    /// - Throws: ``StoreError`` `store.corrupt` when its JSON is not a ``QualityReport``.
    public func quality() throws -> QualityReport {
        try decode(QualityReport.self)
    }

    /// A score that is not a number (never expected) is kept as text rather than failing the document.
    private static let floats = JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    private static let floatsIn = JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

    private static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = floats
        return (try? [UInt8](encoder.encode(value))) ?? Array("{}".utf8)
    }

    private func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = Self.floatsIn
            return try decoder.decode(type, from: Data(json))
        } catch {
            throw StoreError(code: "store.corrupt", message: """
                the stored \(kind.rawValue) document '\(key)' of \(org) for the day starting \
                \(Timestamp.format(dayStart)) is not what this build reads (\(error)); restore the store from a \
                backup, or move it away to start an empty history
                """)
        }
    }
}
