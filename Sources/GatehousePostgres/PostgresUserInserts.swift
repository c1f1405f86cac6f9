import GatehouseSCIM
import GatehouseStore

/// Group commit for new users: creates that arrive while earlier ones are being written wait and
/// are then written together, in one statement and one commit, instead of one commit each
/// (`PostgresBatcher`). Nobody is answered before the statement that holds their row has
/// committed.
final class PostgresUserInserts: Sendable {
    /// A new user with its audit entry (nil for a sign-in's own insert).
    struct Row: Sendable {
        let user: StoredUser
        let audit: AuditEntry?
    }

    /// What one statement did: the ids it inserted (a taken id or userName is skipped), or the
    /// server's refusal of the statement as a whole (a value it cannot store in some row).
    enum Outcome: Sendable {
        case inserted(Set<String>)
        case refused(any Error)
    }

    private let batcher: PostgresBatcher<Row, Bool>

    /// At most `maximumWriters` statements run at once, each with at most `maximumRows` rows (one
    /// array per column, so the count is not bounded by PostgreSQL's 65,535 bound values);
    /// beyond `maximumWaiting` rows waiting, a create is refused at once.
    ///
    /// One writer by default: the creates arriving during a commit all go in the next one, so
    /// the batches are larger and there are fewer statements per create. Against two writers
    /// (A/B, Okta's sequence at 8 connections) that was 1,947-2,093 vs 1,780-1,849 users/s and
    /// a fifth less PostgreSQL CPU per create; a statement that hangs holds the others back no
    /// longer than the store's deadline, after which the writer goes on.
    init(maximumRows: Int = 64, maximumWriters: Int = 1, maximumWaiting: Int = 4_096) {
        precondition((1...2_000).contains(maximumRows))
        batcher = PostgresBatcher(what: "insert users", maximumItems: maximumRows, maximumRunners: maximumWriters, maximumWaiting: maximumWaiting)
    }

    /// Rows waiting for a statement (for tests).
    var waitingCount: Int { batcher.waitingCount }

    /// Inserts the user (and its audit entry) once a statement holding it has committed: true
    /// when inserted, false when its id or userName was taken; or fails once `deadline` has
    /// passed. `write` runs one statement for the rows it is given (every caller passes the same
    /// one; a writer keeps its starter's).
    func insert(_ row: Row, deadline: Duration? = nil, write: @escaping @Sendable ([Row]) async throws -> Outcome) async throws -> Bool {
        try await batcher.submit(row, deadline: deadline) { rows in
            switch try await write(rows) {
            case .inserted(let ids): return .answered(rows.map { ids.contains($0.user.id) })
            case .refused(let error): return .refused(error)
            }
        }
    }
}
