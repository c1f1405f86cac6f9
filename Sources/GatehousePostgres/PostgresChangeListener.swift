import Foundation
import GatehouseSessions
import Logging
import PostgresNIO
import Synchronization

/// The NOTIFY side of `sessionChanges()`: one connection of its own (`gatehouse-listen`) that
/// LISTENs on the user channel and hands each payload to every subscriber. A lost connection is
/// `lost` at once (the caches drop everything and stop caching: a change may go unseen while it
/// is down), then reconnects with backoff and says `resumed`. A heartbeat query finds a
/// connection that died without closing.
final class PostgresChangeListener: Sendable {
    private struct State {
        var subscribers: [UUID: AsyncStream<SessionChange>.Continuation] = [:]
        var task: Task<Void, Never>?
        var listening = false
        var stopped = false
    }

    private let state = Mutex(State())
    private let configuration: PostgresConnection.Configuration
    private let channel: String
    private let logger: Logger
    static let heartbeat: Duration = .seconds(1)
    static let maximumBackoff: Duration = .seconds(2)

    init(configuration: PostgresConnection.Configuration, channel: String, logger: Logger) {
        self.configuration = configuration
        self.channel = channel
        self.logger = logger
    }

    /// Every change from now on; the first element says whether changes are seen right now.
    func subscribe() -> AsyncStream<SessionChange> {
        let (stream, continuation) = AsyncStream.makeStream(of: SessionChange.self, bufferingPolicy: .unbounded)
        let id = UUID()
        let start: Bool = state.withLock { state in
            guard !state.stopped else {
                continuation.finish()
                return false
            }
            state.subscribers[id] = continuation
            continuation.yield(state.listening ? .resumed : .lost)
            return state.task == nil
        }
        continuation.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) } }
        if start {
            let task = Task { await self.run() }
            state.withLock { $0.task = task }
        }
        return stream
    }

    func stop() {
        let (task, subscribers) = state.withLock { state in
            state.stopped = true
            defer { state.subscribers = [:] }
            return (state.task, Array(state.subscribers.values))
        }
        task?.cancel()
        for subscriber in subscribers { subscriber.finish() }
    }

    private func broadcast(_ change: SessionChange, listening: Bool? = nil) {
        let subscribers = state.withLock { state in
            if let listening { state.listening = listening }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.yield(change) }
    }

    private func run() async {
        var backoff: Duration = .milliseconds(50)
        while !Task.isCancelled {
            do {
                try await listenOnce { backoff = .milliseconds(50) }
            } catch {
                if !Task.isCancelled { logger.warning("store.listen_lost", metadata: ["error": "\(String(describing: error).prefix(300))"]) }
            }
            if state.withLock({ $0.listening }) { broadcast(.lost, listening: false) }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, Self.maximumBackoff)
        }
    }

    /// Connects, LISTENs and forwards until the connection fails or the task is cancelled.
    private func listenOnce(onListening: () -> Void) async throws {
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            try await connection.listen(on: channel) { notifications in
                onListening()
                broadcast(.resumed, listening: true)
                logger.info("store.listening", metadata: ["channel": "\(channel)"])
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await notification in notifications { self.broadcast(.user(id: notification.payload)) }
                        throw ListenerEnded()
                    }
                    group.addTask {
                        while true {
                            try await Task.sleep(for: Self.heartbeat)
                            try await PostgresDeadline.run(Self.heartbeat, "listener heartbeat") {
                                _ = try await connection.query("SELECT 1", logger: self.logger).collect()
                            }
                        }
                    }
                    _ = try await group.next()
                    group.cancelAll()
                }
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
    }

    private struct ListenerEnded: Error {}
}
