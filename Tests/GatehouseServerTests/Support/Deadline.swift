/// Runs `body`, failing with `DeadlinePassed` if it takes longer than `limit`: a test of a
/// timeout must fail, not hang, when the timeout does not work.
func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw DeadlinePassed(limit: limit) }
        return value
    }
}

struct DeadlinePassed: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "not done within \(limit)" }
}
