import Foundation
import GatehouseTestSupport

/// The real `gatehouse` binary in a child process, for what only a process shows: signals,
/// exit codes, what a person sees on the terminal.
final class GatehouseProcess: @unchecked Sendable {
    private let arguments: [String]
    private let environment: [String: String]
    private var child: ChildProcess?
    private let lock = NSLock()
    private var lines: [String] = []
    private var waiters: [(predicate: (String) -> Bool, continuation: CheckedContinuation<String, Never>)] = []

    /// The binary built next to the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gatehouse")
    }

    init(arguments: [String], environment: [String: String] = [:]) {
        self.arguments = arguments
        self.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("GATEHOUSE_") }.merging(environment) { $1 }
    }

    /// Runs to completion; returns exit status, standard output and standard error.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String, errors: String) {
        let settings = GatehouseProcess(arguments: arguments, environment: environment)
        let child = try ChildProcess(Self.binary.path, arguments, environment: settings.environment, standardOutput: .pipe, standardError: .pipe)
        let (out, err) = child.readToEnd()
        let status = child.wait()
        return (status, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// Starts the process and collects its log lines as they come (standard error is dropped).
    func start() throws {
        let started = try ChildProcess(Self.binary.path, arguments, environment: environment, standardOutput: .pipe, standardError: .null)
        lock.withLock { child = started }
        started.standardOutput?.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.received(String(decoding: data, as: UTF8.self))
        }
    }

    /// True while the started process runs.
    var isRunning: Bool { lock.withLock { child }?.isRunning ?? false }

    private var partial = ""

    private func received(_ text: String) {
        var ready: [(CheckedContinuation<String, Never>, String)] = []
        lock.withLock {
            partial += text
            while let newline = partial.firstIndex(of: "\n") {
                let line = String(partial[..<newline])
                partial = String(partial[partial.index(after: newline)...])
                lines.append(line)
                waiters.removeAll { waiter in
                    guard waiter.predicate(line) else { return false }
                    ready.append((waiter.continuation, line))
                    return true
                }
            }
        }
        for (continuation, line) in ready { continuation.resume(returning: line) }
    }

    /// Waits for the first log line (past or future) containing `text`.
    func line(containing text: String) async -> String {
        await withCheckedContinuation { continuation in
            let existing: String? = lock.withLock {
                if let line = lines.first(where: { $0.contains(text) }) { return line }
                waiters.append(({ $0.contains(text) }, continuation))
                return nil
            }
            if let existing { continuation.resume(returning: existing) }
        }
    }

    var log: [String] { lock.withLock { lines } }

    func signal(_ number: Int32) { lock.withLock { child }?.signal(number) }

    /// Waits for exit without blocking a cooperative thread.
    func exitStatus() async -> Int32 {
        guard let started = lock.withLock({ child }) else { return -1 }
        return await started.exitStatus()
    }

    /// A port from a JSON log line such as `{"msg":"proxy listening","port":"8080"}`.
    static func port(in line: String) -> Int? {
        guard let range = line.range(of: #""port":""#) else {
            // Hummingbird: "Server started and listening on 127.0.0.1:9090"
            return line.split(separator: ":").last.flatMap { Int($0.prefix(while: \.isNumber)) }
        }
        return Int(line[range.upperBound...].prefix(while: \.isNumber))
    }
}
