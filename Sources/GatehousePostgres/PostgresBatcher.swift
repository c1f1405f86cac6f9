import GatehouseBasics
import GatehouseStore
import NIOCore
import NIOPosix
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

    private struct Queued {
        let ticket: UInt64
        let item: Item
    }

    /// A caller not answered yet: by its statement, its deadline or its cancellation, whichever
    /// comes first takes it out of here and answers.
    private struct Pending {
        let answer: CheckedContinuation<Answer, any Error>
        var deadline: Scheduled<Void>?
    }

    private enum Start {
        case runner
        case waits
        case refused(any Error)
    }

    private struct State {
        var queue: [Queued] = []
        var pending: [UInt64: Pending] = [:]
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
    var waitingCount: Int { state.withLock { $0.queue.count } }

    /// Items submitted so far (for tests).
    var submittedCount: UInt64 { state.withLock { $0.lastTicket } }

    /// The answer for `item` once a statement holding it has completed, or a
    /// `StoreError(.unavailable)` once `deadline` has passed (an item still queued then is never
    /// sent). `run` runs one statement for the items it is given (every caller passes the same
    /// one; a runner keeps its starter's).
    ///
    /// The deadline is a timer of an event loop, and the caller waits on its own continuation:
    /// no task of its own per call, as a deadline around the call would need.
    func submit(_ item: Item, deadline: Duration? = nil, run: @escaping @Sendable ([Item]) async throws -> Outcome) async throws -> Answer {
        let ticket = state.withLock { state in
            state.lastTicket += 1
            return state.lastTicket
        }
        let what = self.what
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { answer in
                let start: Start = state.withLock { state in
                    // A cancelled caller (a shutdown, a closed connection) must not have its item
                    // sent later: refused here, or taken out of the queue by `onCancel`.
                    if Task.isCancelled { return .refused(StoreError(.unavailable, context: "PostgreSQL \(what) was cancelled")) }
                    guard state.queue.count < maximumWaiting else {
                        return .refused(StoreError(.unavailable, context: "PostgreSQL \(what): \(maximumWaiting) requests already waiting"))
                    }
                    state.queue.append(Queued(ticket: ticket, item: item))
                    state.pending[ticket] = Pending(answer: answer)
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
                if case .refused = start { return }
                if let deadline { arm(deadline, for: ticket) }
            }
        } onCancel: {
            // Still queued: out of the queue, answered now. Already in a statement: answered now
            // too, and that statement's answer is dropped (it may commit, as any statement
            // already sent may).
            abandon(ticket, StoreError(.unavailable, context: "PostgreSQL \(what) was cancelled"))
        }
    }

    private func arm(_ deadline: Duration, for ticket: UInt64) {
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let what = self.what
        let timer = loop.scheduleTask(in: .nanoseconds(deadline.nanoseconds)) {
            self.abandon(ticket, StoreError(.unavailable, context: "PostgreSQL did not answer \(what) within \(deadline)"))
        }
        let answered = state.withLock { state in
            guard state.pending[ticket] != nil else { return true }
            state.pending[ticket]?.deadline = timer
            return false
        }
        if answered { timer.cancel() }
    }

    /// Answers `ticket` with `error` unless it was answered already, and takes its item out of
    /// the queue if it is still there.
    private func abandon(_ ticket: UInt64, _ error: any Error) {
        let pending = state.withLock { state -> Pending? in
            guard let pending = state.pending.removeValue(forKey: ticket) else { return nil }
            if let index = state.queue.firstIndex(where: { $0.ticket == ticket }) { state.queue.remove(at: index) }
            return pending
        }
        guard let pending else { return }
        pending.deadline?.cancel()
        pending.answer.resume(throwing: error)
    }

    private func answer(_ ticket: UInt64, with result: Result<Answer, any Error>) {
        guard let pending = state.withLock({ $0.pending.removeValue(forKey: ticket) }) else { return }
        pending.deadline?.cancel()
        pending.answer.resume(with: result)
    }

    private func isPending(_ ticket: UInt64) -> Bool { state.withLock { $0.pending[ticket] != nil } }

    private func runUntilIdle(_ run: @Sendable ([Item]) async throws -> Outcome) async {
        while let batch = nextBatch() { await runAndAnswer(batch, run) }
    }

    private func nextBatch() -> [Queued]? {
        state.withLock { state in
            guard !state.queue.isEmpty else {
                state.runners -= 1
                return nil
            }
            let taken = min(state.queue.count, maximumItems)
            defer { state.queue.removeFirst(taken) }
            return Array(state.queue.prefix(taken))
        }
    }

    private func runAndAnswer(_ batch: [Queued], _ run: @Sendable ([Item]) async throws -> Outcome) async {
        do {
            switch try await run(batch.map(\.item)) {
            case .answered(let answers) where answers.count == batch.count:
                for (queued, answer) in zip(batch, answers) { self.answer(queued.ticket, with: .success(answer)) }
            case .answered(let answers):
                // A statement bug, never the caller's: nobody gets another caller's answer.
                let error = StoreError(.unavailable, context: "PostgreSQL \(what): \(answers.count) answers for \(batch.count) requests")
                for queued in batch { answer(queued.ticket, with: .failure(error)) }
            case .refused(let error) where batch.count == 1:
                answer(batch[0].ticket, with: .failure(error))
            case .refused:
                // Alone now, each that is still waiting for its answer (a caller whose deadline
                // passed meanwhile is not written later).
                for queued in batch where isPending(queued.ticket) { await runAndAnswer([queued], run) }
            }
        } catch {
            for queued in batch { answer(queued.ticket, with: .failure(error)) }
        }
    }
}
