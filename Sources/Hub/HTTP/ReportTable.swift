import Foundation
import SwitchboardCore

/// One table of a report (docs/reports.md): named columns and rows of cells, written as a JSON array of
/// objects (keys in column order) or as CSV the way the exports write it (UTF-8 with a byte-order mark,
/// CRLF, RFC 4180 quoting, formula-looking text defused).
struct ReportTable {
    enum Cell: Equatable {
        case text(String)
        case int(Int64)
        /// A ratio, 4 decimals; nil is null (empty in CSV).
        case ratio(Double?)
        case bool(Bool)
        case null

        /// A count.
        static func count(_ v: Int) -> Cell { .int(Int64(v)) }
        /// An integer or null.
        static func optional(_ v: Int64?) -> Cell { v.map { .int($0) } ?? .null }
        static func optional(_ v: Int?) -> Cell { v.map { .int(Int64($0)) } ?? .null }
    }

    let columns: [String]
    var rows: [[Cell]] = []

    init(columns: [String]) {
        self.columns = columns
    }

    mutating func append(_ row: [Cell]) {
        precondition(row.count == columns.count, "a report row has one cell per column")
        rows.append(row)
    }

    /// `[{"col":…,…},…]`
    func json(into o: inout [UInt8]) {
        o.append(UInt8(ascii: "["))
        for (n, row) in rows.enumerated() {
            if n > 0 { o.append(UInt8(ascii: ",")) }
            Self.object(zip(columns, row).map { ($0, $1) }, into: &o)
        }
        o.append(UInt8(ascii: "]"))
    }

    /// `{"key":…,…}` from pairs in order.
    static func object(_ pairs: [(String, Cell)], into o: inout [UInt8]) {
        o.append(UInt8(ascii: "{"))
        for (n, (key, cell)) in pairs.enumerated() {
            if n > 0 { o.append(UInt8(ascii: ",")) }
            JSONText.appendString(key, to: &o)
            o.append(UInt8(ascii: ":"))
            cell.json(into: &o)
        }
        o.append(UInt8(ascii: "}"))
    }

    func csv() -> [UInt8] {
        var out = "\u{FEFF}" + columns.joined(separator: ",") + "\r\n"
        for row in rows {
            out += row.map(\.csv).joined(separator: ",") + "\r\n"
        }
        return Array(out.utf8)
    }
}

extension ReportTable.Cell {
    func json(into o: inout [UInt8]) {
        switch self {
        case .text(let s): JSONText.appendString(s, to: &o)
        case .int(let v): o.append(contentsOf: String(v).utf8)
        case .ratio(let v): JSONText.appendDouble(v, decimals: 4, to: &o)
        case .bool(let b): o.append(contentsOf: (b ? "true" : "false").utf8)
        case .null: o.append(contentsOf: "null".utf8)
        }
    }

    var csv: String {
        switch self {
        case .text(let s): UtilizationExport.field(s)
        case .int(let v): String(v)
        case .ratio(let v): v.flatMap { $0.isFinite ? String(format: "%.4f", $0) : nil } ?? ""
        case .bool(let b): b ? "true" : "false"
        case .null: ""
        }
    }
}
