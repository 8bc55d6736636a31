import Foundation
import GRDB

/// The checks run before a store file is used (docs/store.md, "When the store refuses to open"). They only
/// read the file: a refused file is left exactly as it was.
enum StoreFileCheck {
    struct Inspection {
        /// No tables and no application id: a new (or empty) file, created by this open.
        var isNew: Bool
        /// `PRAGMA user_version`.
        var schemaVersion: Int
    }

    static let sqliteHeader = Array("SQLite format 3\u{0}".utf8)

    /// What to do about a file the store refuses, said in every refusal.
    static func remedy(_ path: String) -> String {
        "Switchboard never replaces a file it cannot use: move \(path) away (a new store is then created), "
            + "restore it from a backup, or point store.path elsewhere"
    }

    /// The directory exists (created if missing) and is writable; an existing file starts with the SQLite
    /// header (an empty file is a new store).
    static func prepareLocation(path: String, mode: SQLiteHistoryStore.Mode) throws {
        let fm = FileManager.default
        let directory = (path as NSString).deletingLastPathComponent.isEmpty
            ? "." : (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        let exists = fm.fileExists(atPath: path, isDirectory: &isDirectory)
        if exists && isDirectory.boolValue {
            throw StoreError(code: "store.not-a-database",
                             message: "\(path) is a directory, not a store file; point store.path at a file inside it (e.g. \(path)/switchboard.sqlite)")
        }
        switch mode {
        case .readOnly:
            guard exists else {
                throw StoreError(code: "store.missing", message: "there is no store at \(path); check store.path (the bridge creates the file when it first starts)")
            }
        case .readWrite:
            if !fm.fileExists(atPath: directory) {
                do {
                    try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
                } catch {
                    throw StoreError(code: "store.directory",
                                     message: "cannot create the store's directory \(directory) for \(path) (\(error.localizedDescription)); create it with write access for the bridge's user, or point store.path elsewhere")
                }
            }
            guard fm.isWritableFile(atPath: directory) else {
                throw StoreError(code: "store.not-writable",
                                 message: "the store's directory \(directory) is not writable (SQLite writes \(path), \(path)-wal and \(path)-shm there); give the bridge's user write access, or point store.path elsewhere")
            }
            if exists && !fm.isWritableFile(atPath: path) {
                throw StoreError(code: "store.not-writable",
                                 message: "\(path) is not writable; give the bridge's user write access to it, or point store.path elsewhere")
            }
        }
        guard exists else { return }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError(code: "store.not-readable", message: "\(path) cannot be read; give the bridge's user read access to it, or point store.path elsewhere")
        }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: sqliteHeader.count)) ?? Data())
        if !head.isEmpty && head != sqliteHeader {
            throw StoreError(code: "store.not-a-database",
                             message: "\(path) is not a SQLite database (it does not start with the SQLite header). \(remedy(path)).")
        }
    }

    /// Reads the application id, tables, integrity and schema version on a connection that writes nothing.
    static func inspect(path: String, mode: SQLiteHistoryStore.Mode) throws -> Inspection {
        var configuration = Configuration()
        configuration.readonly = mode == .readOnly
        configuration.busyMode = .timeout(5)
        configuration.label = "switchboard.store.check"
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in try inspect(db, path: path, mode: mode) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw classify(error, path: path, doing: "checking")
        }
    }

    static func inspect(_ db: Database, path: String, mode: SQLiteHistoryStore.Mode) throws -> Inspection {
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let userVersion = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        if applicationID == 0 && tables.isEmpty && userVersion == 0 {
            if mode == .readOnly {
                throw StoreError(code: "store.missing", message: "\(path) holds no store yet (an empty SQLite file); the bridge creates the store there when it first starts")
            }
            return Inspection(isNew: true, schemaVersion: 0)
        }
        guard applicationID == StoreSchema.applicationID else {
            let shown = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", …" : "")
            throw StoreError(code: "store.foreign-file",
                             message: "\(path) is a SQLite database of another application (application_id \(String(format: "0x%08X", UInt32(bitPattern: applicationID))), not Switchboard's \(String(format: "0x%08X", UInt32(bitPattern: StoreSchema.applicationID)))\(tables.isEmpty ? "" : "; tables: \(shown)")). \(remedy(path)).")
        }
        let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
        if check != ["ok"] {
            throw corrupt(path, detail: check.prefix(3).joined(separator: "; "))
        }
        let superseded = try StoreSchema.migrator().hasBeenSuperseded(db)
        if userVersion > StoreSchema.version || superseded {
            throw StoreError(code: "store.newer-schema",
                             message: "\(path) has schema version \(userVersion), newer than this build's \(StoreSchema.version): it was written by a newer Switchboard. Run that version (or newer) against it, restore a backup made for this version, or point store.path elsewhere; Switchboard never downgrades or replaces a store.")
        }
        return Inspection(isNew: false, schemaVersion: userVersion)
    }

    static func corrupt(_ path: String, detail: String) -> StoreError {
        StoreError(code: "store.corrupt",
                   message: "\(path) is damaged (SQLite integrity check: \(detail)). Restore it from a backup, or move it away to start an empty history (`switchboard store check --path \(path)` repeats the check); Switchboard never replaces it.")
    }

    /// A SQLite or GRDB error as a ``StoreError`` naming the path.
    static func classify(_ error: any Error, path: String, doing: String) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let db = error as? DatabaseError else {
            return StoreError(code: "store.failed", message: "\(doing) the store \(path) failed: \(error)")
        }
        switch db.resultCode {
        case .SQLITE_NOTADB:
            return StoreError(code: "store.not-a-database",
                              message: "\(path) is not a SQLite database (\(db.message ?? "file is not a database")). \(remedy(path)).")
        case .SQLITE_CORRUPT:
            return corrupt(path, detail: db.message ?? "database disk image is malformed")
        case .SQLITE_FULL:
            return StoreError(code: "store.disk-full", message: "\(doing) the store \(path) failed: the disk is full; free space on its volume (nothing already stored was lost)")
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN:
            return StoreError(code: "store.not-writable",
                              message: "\(doing) the store \(path) failed (\(db.message ?? "\(db.resultCode)")); check that the bridge's user can read and write the file and its directory, or point store.path elsewhere")
        default:
            return StoreError(code: "store.failed",
                              message: "\(doing) the store \(path) failed: \(db.message ?? "\(db.resultCode)") (SQLite code \(db.extendedResultCode.rawValue))")
        }
    }
}
