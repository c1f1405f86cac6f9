import GatehouseStore
import Synchronization

/// Requests that arrive while earlier ones are at the database wait and then go together, in
/// one statement: a request that finds the batcher idle goes at once (no added delay), and each
/// caller is answered from the statement that held its item.
///
/// Used for the two statements of Okta's and Entra's create sequence: the `userName eq` lookup
/// and the insert (group commit).
final class PostgresBatcher<Item: Sendable, Answer: Sendable>: Sendable {
    /// What one statement did for the items it was given.
    enum Outcome: Sendable {
        /// One answer per item, in the items' order.
        case answered([Answer])
        /// The server refused the statement as a whole over a value in one of the items: each
        /// item of a larger batch is tried again on its own, so that only its caller hears it.
        case refused(any Error)
    }

    private struct Waiting {
        let ticket: UInt64
        let item: Item
        let answer: CheckedContinuation<Answer, any Error>
    }

    private enum Start {
        case runner
        case waits
        case refused(any Error)
    }

    private struct State {
        var waiting: [Waiting] = []
        var runners = 0
        var lastTicket: UInt64 = 0
    }

    private let state = Mutex(State())
    /// For errors: `PostgreSQL <what> …`.
    private let what: String
    private let maximumItems: Int
    private let maximumRunners: Int
    private let maximumWaiting: Int

    /// At most `maximumRunners` statements run at once, each with at most `maximumItems` items;
    /// beyond `maximumWaiting` items waiting, a request is refused at once (the database is not
    /// keeping up; the IdP retries).
    init(what: String, maximumItems: Int, maximumRunners: Int, maximumWaiting: Int) {
        precondition(maximumItems >= 1 && maximumRunners >= 1 && maximumWaiting >= 1)
        self.what = what
        self.maximumItems = maximumItems
        self.maximumRunners = maximumRunners
        self.maximumWaiting = maximumWaiting
    }

    /// Items waiting for a statement (for tests).
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Items submitted so far (for tests).
    var submittedCount: UInt64 { state.withLock { $0.lastTicket } }

    /// The answer for `item` once a statement holding it has completed. `run` runs one statement
    /// for the items it is given (every caller passes the same one; a runner keeps its starter's).
    func submit(_ item: Item, run: @escaping @Sendable ([Item]) async throws -> Outcome) async throws -> Answer {
        let ticket = state.withLock { state in
            state.lastTicket += 1
            return state.lastTicket
        }
        let what = self.what
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { answer in
                let start: Start = state.withLock { state in
                    // A caller whose deadline passed (the store call cancels it) must not have its
                    // item sent later: refused here, or taken out of the queue by `onCancel`.
                    if Task.isCancelled { return .refused(StoreError(.unavailable, context: "PostgreSQL \(what) was cancelled")) }
                    guard state.waiting.count < maximumWaiting else {
                        return .refused(StoreError(.unavailable, context: "PostgreSQL \(what): \(maximumWaiting) requests already waiting"))
                    }
                    state.waiting.append(Waiting(ticket: ticket, item: item, answer: answer))
                    guard state.runners < maximumRunners else { return .waits }
                    state.runners += 1
                    return .runner
                }
                switch start {
                case .refused(let error): answer.resume(throwing: error)
                case .waits: break
                // The batch belongs to every caller in it: no caller's cancellation may stop it.
                case .runner: Task { await self.runUntilIdle(run) }
                }
            }
        } onCancel: {
            // Still queued: out of the queue, answered now. Already in a statement: that
            // statement answers it (it may commit, as any statement already sent may).
            let removed = state.withLock { state -> Waiting? in
                guard let index = state.waiting.firstIndex(where: { $0.ticket == ticket }) else { return nil }
                return state.waiting.remove(at: index)
            }
            removed?.answer.resume(throwing: StoreError(.unavailable, context: "PostgreSQL \(what) was cancelled"))
        }
    }

    private func runUntilIdle(_ run: @Sendable ([Item]) async throws -> Outcome) async {
        while let batch = nextBatch() { await runAndAnswer(batch, run) }
    }

    private func nextBatch() -> [Waiting]? {
        state.withLock { state in
            guard !state.waiting.isEmpty else {
                state.runners -= 1
                return nil
            }
            let taken = min(state.waiting.count, maximumItems)
            defer { state.waiting.removeFirst(taken) }
            return Array(state.waiting.prefix(taken))
        }
    }

    private func runAndAnswer(_ batch: [Waiting], _ run: @Sendable ([Item]) async throws -> Outcome) async {
        do {
            switch try await run(batch.map(\.item)) {
            case .answered(let answers) where answers.count == batch.count:
                for (waiting, answer) in zip(batch, answers) { waiting.answer.resume(returning: answer) }
            case .answered(let answers):
                // A statement bug, never the caller's: nobody gets another caller's answer.
                let error = StoreError(.unavailable, context: "PostgreSQL \(what): \(answers.count) answers for \(batch.count) requests")
                for waiting in batch { waiting.answer.resume(throwing: error) }
            case .refused(let error) where batch.count == 1:
                batch[0].answer.resume(throwing: error)
            case .refused:
                for waiting in batch { await runAndAnswer([waiting], run) }
            }
        } catch {
            for waiting in batch { waiting.answer.resume(throwing: error) }
        }
    }
}
