import GatehouseBasics
import GatehouseStore
import NIOCore
import NIOPosix
import Synchronization

/// Runs a store call with a hard deadline: the caller gets its answer or a
/// `StoreError(.unavailable)` by then, even when the call itself cannot be cancelled (a query
/// waiting on a lock runs on until the server's `statement_timeout` ends it, unwatched).
///
/// Several run per SCIM request, so the deadline is an event loop's timer (a heap entry, taken
/// out again when the answer comes first), not a task asleep on the global pool.
enum PostgresDeadline {
    static func run<T: Sendable>(_ timeout: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let race = Race<T>()
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        // The caller's cancellation (a shutdown, a closed connection) ends the wait at once too.
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.start(
                    continuation,
                    work: Task {
                        do { race.finish(.success(try await body())) } catch { race.finish(.failure(PostgresErrors.store(error, what))) }
                    },
                    timer: loop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
                        race.finish(.failure(StoreError(.unavailable, context: "PostgreSQL did not answer \(what) within \(timeout)")))
                    })
            }
        } onCancel: {
            race.finish(.failure(StoreError(.unavailable, context: "PostgreSQL \(what) was cancelled")))
        }
    }

    /// The first result wins and stops the other side; later ones are dropped.
    private final class Race<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var work: Task<Void, Never>?
            var timer: Scheduled<Void>?
            var result: Result<T, any Error>?
        }
        private let state = Mutex(State())

        func start(_ continuation: CheckedContinuation<T, any Error>, work: Task<Void, Never>, timer: Scheduled<Void>) {
            let early: Result<T, any Error>? = state.withLock { state in
                if let result = state.result { return result }
                state.continuation = continuation
                state.work = work
                state.timer = timer
                return nil
            }
            // The body finished before the handles were kept: answer now, stop the timer.
            if let early {
                timer.cancel()
                continuation.resume(with: early)
            }
        }

        func finish(_ result: Result<T, any Error>) {
            let (continuation, work, timer): (CheckedContinuation<T, any Error>?, Task<Void, Never>?, Scheduled<Void>?) = state.withLock {
                state in
                guard state.result == nil else { return (nil, nil, nil) }
                state.result = result
                defer { (state.continuation, state.work, state.timer) = (nil, nil, nil) }
                return (state.continuation, state.work, state.timer)
            }
            guard let continuation else { return }
            timer?.cancel()
            if case .failure = result { work?.cancel() }
            continuation.resume(with: result)
        }
    }
}
