import GatehouseBasics

/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…&sslrootcert=PATH]`, checked when
/// the configuration is read so `check-config` refuses what the store could not open.
public struct PostgresURL: Sendable, Equatable {
    /// libpq's names; `disable` is for loopback and private networks, `verify-full` checks the
    /// certificate chain and the host name.
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        case disable
        case require
        case verifyFull = "verify-full"
    }

    public var user: String
    /// From the URL; `store_password_file` or `store_password` take precedence.
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var sslMode: SSLMode
    /// CA bundle (PEM) for `verify-full`; the system's trust roots without it.
    public var sslRootCertificate: String?

    /// Parses the URL; the error says what is wrong without repeating a password.
    public static func parse(_ text: String) -> Result<PostgresURL, PostgresURLProblem> {
        let lower = text.lowercased()
        guard let scheme = ["postgres://", "postgresql://"].first(where: { lower.hasPrefix($0) }) else {
            return .failure(PostgresURLProblem("must start with postgres://"))
        }
        let rest = text.dropFirst(scheme.count)
        let queryStart = rest.firstIndex(of: "?") ?? rest.endIndex
        let beforeQuery = rest[..<queryStart]
        guard let slash = beforeQuery.firstIndex(of: "/") else {
            return .failure(PostgresURLProblem("needs a database name, such as postgres://gatehouse@db:5432/gatehouse"))
        }
        let authority = beforeQuery[..<slash]
        guard let database = PercentEncoding.decodeText(String(beforeQuery[beforeQuery.index(after: slash)...])), !database.isEmpty,
            !database.contains("/")
        else {
            return .failure(PostgresURLProblem("needs a database name after the host, such as /gatehouse"))
        }
        guard let at = authority.lastIndex(of: "@") else {
            return .failure(PostgresURLProblem("needs a user name, such as postgres://gatehouse@db:5432/gatehouse"))
        }
        let credentials = authority[..<at]
        let userPart = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let user = PercentEncoding.decodeText(String(userPart[0])), !user.isEmpty else {
            return .failure(PostgresURLProblem("needs a user name before @"))
        }
        let password = userPart.count == 2 ? PercentEncoding.decodeText(String(userPart[1])) : nil
        guard let hostPort = URLParts.hostAndPort(String(authority[authority.index(after: at)...]), portRequired: false),
            !hostPort.host.isEmpty
        else {
            return .failure(PostgresURLProblem("needs a host, such as db:5432"))
        }
        var url = PostgresURL(
            user: user, password: password, host: hostPort.host, port: hostPort.port == 0 ? 5432 : hostPort.port, database: database,
            sslMode: .verifyFull, sslRootCertificate: nil)
        var sawMode = false
        let query = queryStart < rest.endIndex ? rest[rest.index(after: queryStart)...] : ""
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let value = parts.count == 2 ? PercentEncoding.decodeText(String(parts[1])) ?? "" : ""
            switch name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    return .failure(PostgresURLProblem("sslmode must be disable, require or verify-full, not \"\(value.prefix(32))\""))
                }
                url.sslMode = mode
                sawMode = true
            case "sslrootcert":
                url.sslRootCertificate = value
            default:
                return .failure(PostgresURLProblem("does not know the parameter \"\(name.prefix(32))\" (sslmode and sslrootcert are)"))
            }
        }
        // Without sslmode, loopback goes plain (a local or sidecar database) and anything else must verify.
        if !sawMode { url.sslMode = URLParts.isLoopback(url.host) ? .disable : .verifyFull }
        return .success(url)
    }
}

/// Why a PostgreSQL URL was refused.
public struct PostgresURLProblem: Error, Sendable, Equatable {
    public let message: String
    init(_ message: String) { self.message = message }
}

/// How the process talks to its store: the PostgreSQL password, pool and deadline, and how often
/// housekeeping runs.
public struct StoreSettings: Sendable, Equatable {
    /// `store_password_file`: read at start, trailing newline dropped.
    public var passwordFile: String?
    /// `store_password` (normally from the environment: `GATEHOUSE_STORE_PASSWORD`).
    public var password: String?
    /// `store_pool_size`: connections per replica.
    public var poolSize: Int = 16
    /// `store_pool_min`: connections each replica keeps open (at most `poolSize`), pinged
    /// every 30 s so that no NAT or load balancer drops them while idle; the others close after
    /// 60 s idle.
    public var poolMinimum: Int = 4
    /// `store_timeout`: a store call not answered by then fails (503), never hangs a request.
    public var timeout: Duration = .seconds(5)
    /// `housekeeping_interval`: expired sessions, replay entries and old metadata copies are purged this often.
    public var housekeepingInterval: Duration = .seconds(300)

    public init() {}

    /// For a CLI command (`store status`, `users …`): one connection when needed, none kept open.
    public var forOneCommand: StoreSettings {
        var settings = self
        settings.poolMinimum = 0
        return settings
    }
}
