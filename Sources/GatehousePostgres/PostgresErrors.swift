import GatehouseSCIM
import GatehouseStore
import PostgresNIO

/// How PostgreSQL's errors become the ports' errors: a unique violation is the caller's conflict;
/// the domain's own errors pass through; anything else is the store being unavailable (503).
enum PostgresErrors {
    static let uniqueViolation = "23505"
    static let foreignKeyViolation = "23503"
    static let raisedException = "P0001"

    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    static func isUniqueViolation(_ error: any Error) -> Bool { sqlState(error) == uniqueViolation }

    /// The server refused a value of the statement itself: a data exception (class 22, such as
    /// a NUL in jsonb or invalid text), an integrity constraint (23) or a program limit (54).
    /// Timeouts, deadlocks, lost connections and a server in recovery are none of these.
    static func isRefusedValue(_ error: any Error) -> Bool { sqlState(error).map { isRefusedValue(sqlState: $0) } ?? false }

    static func isRefusedValue(sqlState state: String) -> Bool { state.hasPrefix("22") || state.hasPrefix("23") || state.hasPrefix("54") }

    /// An error of the caller's own (thrown by a `decide` or `change` closure): rethrown as it is.
    struct CallerError: Error {
        let error: any Error
    }

    /// Runs the caller's closure so that its errors pass through `store(_:_:)` untouched.
    static func caller<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw CallerError(error: error) }
    }

    static func store(_ error: any Error, _ what: String) -> any Error {
        switch error {
        case let error as CallerError: return error.error
        case is StoreError, is DirectoryError, is SCIMError: return error
        case let error as PSQLError where error.serverInfo?[.sqlState] == uniqueViolation:
            return StoreError(.conflict, context: "PostgreSQL \(what): \(error.serverInfo?[.constraintName] ?? "a unique key") is taken")
        case let error as PSQLError:
            // The server's message and code, never the query's bound values.
            let message = error.serverInfo?[.message] ?? "\(error.code)"
            return StoreError(.unavailable, context: "PostgreSQL \(what): \(message) (\(error.serverInfo?[.sqlState] ?? "no SQLSTATE"))")
        case is CancellationError:
            return StoreError(.unavailable, context: "PostgreSQL \(what) was cancelled")
        default:
            return StoreError(.unavailable, context: "PostgreSQL \(what): \(error)")
        }
    }
}
