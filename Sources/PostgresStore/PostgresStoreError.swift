import PostgresNIO
import Store
import SwitchboardCore

/// Why the PostgreSQL store refused a URL, to open, or to work. The message says what, where (the server
/// as ``PostgresURL/redacted`` names it) and what to do; it never contains the password.
public struct PostgresStoreError: CodedError, Equatable {
    public let code: String
    public let message: String
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

extension PostgresStoreError {
    /// Maps an error of PostgresNIO (or one of its wrappers) to a store error: `doing` says what the store
    /// was doing, `at` where (a redacted URL). Only the server's own words and the client's error kind are
    /// kept, never the query's binds or the configuration (which holds the password).
    static func from(_ error: any Error, doing: String, at place: String) -> PostgresStoreError {
        if let error = error as? PostgresStoreError { return error }
        if let error = error as? StoreError { return PostgresStoreError(code: error.code, message: error.message) }
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError {
                return from(inner, doing: doing, at: place)
            }
        }
        let (code, detail) = describe(error)
        return PostgresStoreError(code: code, message: "\(doing) \(place) failed: \(detail)")
    }

    /// A code and one line on `error`.
    private static func describe(_ error: any Error) -> (code: String, detail: String) {
        guard let psql = error as? PSQLError else {
            return ("postgres.error", "\(type(of: error)); check the server is reachable and retry")
        }
        if let info = psql.serverInfo {
            let state = info[.sqlState] ?? "?"
            let text = info[.message] ?? "no message"
            // 28xxx: authentication; 3D000: no such database; 42501: privileges.
            let hint: String
            switch state {
            case let s where s.hasPrefix("28"): hint = "check the user and password in the store URL"
            case "3D000": hint = "create the database (createdb) or fix its name in the store URL"
            case "42501": hint = "grant the user the privileges docs/store.md lists"
            default: hint = "see the server's log"
            }
            let code = state.hasPrefix("28") ? "postgres.auth" : "postgres.server"
            return (code, "the server said \(text) (SQLSTATE \(state)); \(hint)")
        }
        switch psql.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            var detail = "could not talk to the server (\(psql.code))"
            if let underlying = psql.underlying { detail += ": \(underlying)" }
            return ("postgres.connect", detail + "; check the server runs and the host, port or socket directory in the store URL")
        case .sslUnsupported:
            return ("postgres.tls", "the server does not offer TLS; set sslmode=disable in the store URL or enable ssl on the server")
        case .authMechanismRequiresPassword:
            return ("postgres.auth", "the server asks for a password; put it in the store URL (user:password@)")
        case .unsupportedAuthMechanism, .saslError:
            return ("postgres.auth", "authentication failed (\(psql.code)); check the server's pg_hba.conf method")
        default:
            return ("postgres.error", "\(psql.code); see the server's log")
        }
    }
}
