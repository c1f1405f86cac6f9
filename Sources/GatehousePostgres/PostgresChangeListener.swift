import Foundation
import GatehouseSessions
import Logging
import PostgresNIO
import Synchronization

/// The NOTIFY side of `sessionChanges()`: one connection of its own (`gatehouse-listen`) that
/// LISTENs on the user channel and hands each payload to every subscriber. A lost connection is
/// `lost` at once (the caches drop everything and stop caching: a change may go unseen while it
/// is down), then it reconnects with backoff and says `resumed`.
///
/// The heartbeat is a round trip: a token NOTIFYed through the pool (`sendHeartbeat`) must come
/// back on this connection in time. That finds a connection that died without closing, and one
/// that reaches another server than the pool's (a failover, a proxy), where an answered
/// `SELECT 1` would prove nothing.
final class PostgresChangeListener: Sendable {
    private struct State {
        var subscribers: [UUID: AsyncStream<SessionChange>.Continuation] = [:]
        var task: Task<Void, Never>?
        var listening = false
        var stopped = false
        /// The heartbeat token in flight, and whether it came back (other replicas' are ignored).
        var expectedHeartbeat: String?
        var heartbeatSeen = false
    }

    private let state = Mutex(State())
    private let configuration: PostgresConnection.Configuration
    private let channel: String
    private let logger: Logger
    private let sendHeartbeat: @Sendable (String) async throws -> Void
    static let heartbeatInterval: Duration = .milliseconds(250)
    /// How long a heartbeat may take to come back before the feed counts as lost.
    static let heartbeatDeadline: Duration = .milliseconds(750)
    static let maximumBackoff: Duration = .seconds(2)
    /// Payloads starting with this are heartbeats (user ids never do).
    static let heartbeatPrefix = "~heartbeat:"

    init(
        configuration: PostgresConnection.Configuration, channel: String, logger: Logger,
        sendHeartbeat: @escaping @Sendable (String) async throws -> Void
    ) {
        self.configuration = configuration
        self.channel = channel
        self.logger = logger
        self.sendHeartbeat = sendHeartbeat
    }

    /// Every change from now on; the first element says whether changes are seen right now.
    func subscribe() -> AsyncStream<SessionChange> {
        let (stream, continuation) = AsyncStream.makeStream(of: SessionChange.self, bufferingPolicy: .unbounded)
        let id = UUID()
        state.withLock { state in
            guard !state.stopped else {
                continuation.finish()
                return
            }
            state.subscribers[id] = continuation
            continuation.yield(state.listening ? .resumed : .lost)
            if state.task == nil { state.task = Task { await self.run() } }
        }
        continuation.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) } }
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

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func broadcast(_ change: SessionChange, listening: Bool? = nil) {
        let subscribers = state.withLock { state in
            if let listening { state.listening = listening }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.yield(change) }
    }

    private func run() async {
        var backoff: Duration = .milliseconds(50)
        while !Task.isCancelled && !isStopped {
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

    /// Connects, LISTENs and forwards until the connection fails, a heartbeat does not come back,
    /// or the task is cancelled. `lost` is said before the connection is closed (a TLS close may
    /// wait seconds for the server), and the close is not waited for.
    private func listenOnce(onListening: () -> Void) async throws {
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        defer {
            if state.withLock({ $0.listening }) { broadcast(.lost, listening: false) }
            Task { try? await connection.close() }
        }
        try await connection.listen(on: channel) { notifications in
            onListening()
            broadcast(.resumed, listening: true)
            logger.info("store.listening", metadata: ["channel": "\(channel)"])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await notification in notifications {
                        if notification.payload.hasPrefix(Self.heartbeatPrefix) {
                            self.state.withLock { state in
                                if state.expectedHeartbeat == notification.payload { state.heartbeatSeen = true }
                            }
                        } else {
                            self.broadcast(.user(id: notification.payload))
                        }
                    }
                    throw ListenerEnded()
                }
                group.addTask {
                    while true {
                        try await Task.sleep(for: Self.heartbeatInterval)
                        try await self.heartbeat()
                    }
                }
                _ = try await group.next()
                group.cancelAll()
            }
        }
    }

    /// One round trip: the token sent through the pool must arrive here within the deadline.
    private func heartbeat() async throws {
        let token = Self.heartbeatPrefix + UUID().uuidString
        state.withLock { state in
            state.expectedHeartbeat = token
            state.heartbeatSeen = false
        }
        let deadline = ContinuousClock.now + Self.heartbeatDeadline
        try await PostgresDeadline.run(Self.heartbeatDeadline, "listener heartbeat") { try await self.sendHeartbeat(token) }
        while ContinuousClock.now < deadline {
            if state.withLock({ $0.heartbeatSeen }) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw HeartbeatMissed()
    }

    private struct ListenerEnded: Error {}
    private struct HeartbeatMissed: Error, CustomStringConvertible {
        var description: String { "a heartbeat NOTIFY did not come back within \(PostgresChangeListener.heartbeatDeadline)" }
    }
}
