import PostgresNIO

/// PostgresNIO configurations from a ``PostgresURL``: the pool's and the opening connection's.
extension PostgresURL {
    /// TLS as libpq's sslmode means it: `prefer` and `require` encrypt without checking the certificate,
    /// `verify-full` checks it against the system's roots and the host name.
    var tlsConfiguration: TLSConfiguration? {
        switch sslMode {
        case .disable:
            return nil
        case .prefer, .require:
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            return tls
        case .verifyFull:
            return TLSConfiguration.makeClientConfiguration()
        }
    }

    func clientConfiguration() throws -> PostgresClient.Configuration {
        switch endpoint {
        case .unixSocket:
            return PostgresClient.Configuration(unixSocketPath: socketPath!, username: user, password: password, database: database)
        case .tcp(let host, let port):
            let tls: PostgresClient.Configuration.TLS
            switch (sslMode, tlsConfiguration) {
            case (.disable, _), (_, nil): tls = .disable
            case (.prefer, let c?): tls = .prefer(c)
            case (_, let c?): tls = .require(c)
            }
            return PostgresClient.Configuration(host: host, port: port, username: user, password: password,
                                                database: database, tls: tls)
        }
    }

    /// A single connection's configuration (the store's migrations, the cluster's leadership session).
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        switch endpoint {
        case .unixSocket:
            return PostgresConnection.Configuration(unixSocketPath: socketPath!, username: user, password: password,
                                                    database: database)
        case .tcp(let host, let port):
            let tls: PostgresConnection.Configuration.TLS
            switch (sslMode, tlsConfiguration) {
            case (.disable, _), (_, nil): tls = .disable
            case (.prefer, let c?): tls = .prefer(try NIOSSLContext(configuration: c))
            case (_, let c?): tls = .require(try NIOSSLContext(configuration: c))
            }
            return PostgresConnection.Configuration(host: host, port: port, username: user, password: password,
                                                    database: database, tls: tls)
        }
    }
}
