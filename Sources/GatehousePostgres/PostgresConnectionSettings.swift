import GatehouseBasics
import NIOSSL
import PostgresNIO

/// Where and how to reach PostgreSQL: the parts of the configured URL with the password resolved,
/// the pool size and the deadline of every store call.
public struct PostgresConnectionSettings: Sendable {
    public enum TLSMode: Sendable, Equatable {
        /// Plain TCP (loopback, a private network).
        case disable
        /// Encrypted, the certificate not checked (libpq's `require`).
        case require
        /// Encrypted, the chain checked against `rootCertificatePath` (or the system's roots) and the host name.
        case verifyFull(rootCertificatePath: String?)
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    public var poolSize: Int
    /// Connections kept open (at most `poolSize`; 0 for none), pinged every `keepAliveInterval`
    /// by the store. The pool's own keep-alive is off: it arms a timer (three tasks and a
    /// dispatch timer) each time a connection is handed back, and so does its idle timeout for a
    /// connection beyond the kept-open ones; together they cost about a fifth of Gatehouse's CPU
    /// per SCIM create. Connections beyond these close after 60 s idle, before a NAT or load
    /// balancer would drop them unnoticed.
    public var keptOpen: Int
    /// `keptOpen` within 0…`poolSize`: what the pool and the keep-alive use.
    var connectionsKeptOpen: Int { min(max(0, keptOpen), poolSize) }
    public var keepAliveInterval: Duration
    /// A call not answered by then fails with `StoreError(.unavailable)`; also the server-side
    /// `statement_timeout` and `lock_timeout`, so a stuck query ends on the server too.
    public var timeout: Duration

    public init(
        host: String, port: Int, user: String, password: String?, database: String, tls: TLSMode, poolSize: Int = 16,
        keptOpen: Int = 0, keepAliveInterval: Duration = .seconds(30), timeout: Duration = .seconds(5)
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
        self.poolSize = poolSize
        self.keptOpen = keptOpen
        self.keepAliveInterval = keepAliveInterval
        self.timeout = timeout
    }

    /// Pool connections, named `applicationName` in `pg_stat_activity`.
    func clientConfiguration(applicationName: String) throws -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: try clientTLS())
        configuration.options.maximumConnections = poolSize
        configuration.options.minimumConnections = connectionsKeptOpen
        configuration.options.keepAliveBehavior = nil
        configuration.options.connectTimeout = min(timeout, .seconds(10))
        configuration.options.additionalStartupParameters = startupParameters(applicationName: applicationName)
        return configuration
    }

    /// The notification connection: one of its own, outside the pool.
    func connectionConfiguration(applicationName: String) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch self.tls {
        case .disable: tls = .disable
        default: tls = .require(try NIOSSLContext(configuration: tlsConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.additionalStartupParameters = startupParameters(applicationName: applicationName)
        configuration.options.connectTimeout = .milliseconds(Int64(min(timeout, .seconds(10)).timeInterval * 1000))
        return configuration
    }

    private func startupParameters(applicationName: String) -> [(String, String)] {
        // At least 1: 0 would turn the server-side timeouts off.
        let milliseconds = String(max(1, Int(timeout.timeInterval * 1000)))
        return [("application_name", applicationName), ("statement_timeout", milliseconds), ("lock_timeout", milliseconds)]
    }

    private func clientTLS() throws -> PostgresClient.Configuration.TLS {
        switch tls {
        case .disable: return .disable
        default: return .require(try tlsConfiguration())
        }
    }

    private func tlsConfiguration() throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch tls {
        case .disable, .require:
            configuration.certificateVerification = .none
        case .verifyFull(let rootCertificatePath):
            configuration.certificateVerification = .fullVerification
            if let rootCertificatePath { configuration.trustRoots = .file(rootCertificatePath) }
        }
        return configuration
    }
}
