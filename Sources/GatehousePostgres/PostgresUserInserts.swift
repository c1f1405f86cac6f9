import GatehouseSCIM
import GatehouseStore
import Synchronization

/// Group commit for new users: creates that arrive while earlier ones are being written wait and
/// are then written together, in one statement and one commit, instead of one commit each. A
/// create that finds the store idle is written at once (no added delay), and nobody is answered
/// before the statement that holds their row has committed.
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

    private struct Waiting {
        let ticket: UInt64
        let row: Row
        let answer: CheckedContinuation<Bool, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var writers = 0
        var lastTicket: UInt64 = 0
    }

    private let state = Mutex(State())
    private let maximumRows: Int
    private let maximumWriters: Int
    private let maximumWaiting: Int

    /// At most `maximumWriters` statements run at once, each with at most `maximumRows` rows (25
    /// bound values each, under PostgreSQL's 65,535); beyond `maximumWaiting` rows waiting, a
    /// create is refused at once (the database is not keeping up; the IdP retries).
    init(maximumRows: Int = 64, maximumWriters: Int = 2, maximumWaiting: Int = 4_096) {
        precondition((1...2_000).contains(maximumRows) && maximumWriters >= 1 && maximumWaiting >= 1)
        self.maximumRows = maximumRows
        self.maximumWriters = maximumWriters
        self.maximumWaiting = maximumWaiting
    }

    /// Rows waiting for a statement (for tests).
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Inserts the user (and its audit entry) once a statement holding it has committed: true
    /// when inserted, false when its id or userName was taken. `write` runs one statement for
    /// the rows it is given (every caller passes the same one; a writer keeps its starter's).
    func insert(_ row: Row, write: @escaping @Sendable ([Row]) async throws -> Outcome) async throws -> Bool {
        let ticket = state.withLock { state in
            state.lastTicket += 1
            return state.lastTicket
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { answer in
                enum Start { case writer, waits, refused(any Error) }
                let start: Start = state.withLock { state in
                    // A caller whose deadline passed (the store call cancels it) must not have its
                    // row written later: refused here, or taken out of the queue by `onCancel`.
                    if Task.isCancelled { return .refused(StoreError(.unavailable, context: "PostgreSQL insert users was cancelled")) }
                    guard state.waiting.count < maximumWaiting else {
                        return .refused(StoreError(.unavailable, context: "PostgreSQL insert users: \(maximumWaiting) creates already waiting"))
                    }
                    state.waiting.append(Waiting(ticket: ticket, row: row, answer: answer))
                    guard state.writers < maximumWriters else { return .waits }
                    state.writers += 1
                    return .writer
                }
                switch start {
                case .refused(let error): answer.resume(throwing: error)
                case .waits: break
                // The batch belongs to every caller in it: no caller's cancellation may stop it.
                case .writer: Task { await self.writeUntilIdle(write) }
                }
            }
        } onCancel: {
            // Still queued: out of the queue, answered now. Already in a statement: that
            // statement answers it (it may commit, as any statement already sent may).
            let removed = state.withLock { state -> Waiting? in
                guard let index = state.waiting.firstIndex(where: { $0.ticket == ticket }) else { return nil }
                return state.waiting.remove(at: index)
            }
            removed?.answer.resume(throwing: StoreError(.unavailable, context: "PostgreSQL insert users was cancelled"))
        }
    }

    private func writeUntilIdle(_ write: @Sendable ([Row]) async throws -> Outcome) async {
        while let batch = nextBatch() { await writeAndAnswer(batch, write) }
    }

    private func nextBatch() -> [Waiting]? {
        state.withLock { state in
            guard !state.waiting.isEmpty else {
                state.writers -= 1
                return nil
            }
            let taken = min(state.waiting.count, maximumRows)
            defer { state.waiting.removeFirst(taken) }
            return Array(state.waiting.prefix(taken))
        }
    }

    private func writeAndAnswer(_ batch: [Waiting], _ write: @Sendable ([Row]) async throws -> Outcome) async {
        do {
            switch try await write(batch.map(\.row)) {
            case .inserted(let ids):
                for waiting in batch { waiting.answer.resume(returning: ids.contains(waiting.row.user.id)) }
            case .refused(let error) where batch.count == 1:
                batch[0].answer.resume(throwing: error)
            case .refused:
                // One row the server cannot store must not fail the others: each on its own, so
                // that only its caller hears the refusal.
                for waiting in batch { await writeAndAnswer([waiting], write) }
            }
        } catch {
            for waiting in batch { waiting.answer.resume(throwing: error) }
        }
    }
}
