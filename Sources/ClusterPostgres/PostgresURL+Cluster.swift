import PostgresStore
import SwitchboardConfig

extension PostgresURL {
    /// `cluster.database` as a ``PostgresURL``. The config's `sslmode=require` promises a verified certificate
    /// (docs/scale-out.md), which is libpq's `verify-full`; `prefer` and `disable` are the same in both.
    public init(_ database: ClusterDatabase) {
        let mode: SSLMode = switch database.tls {
        case .disable: .disable
        case .prefer: .prefer
        case .require: .verifyFull
        }
        self.init(endpoint: .tcp(host: database.host, port: database.port), user: database.user,
                  password: database.password?.reveal(), database: database.name, sslMode: mode)
    }
}
