import CChildProcess
import Foundation
import Glibc

/// A child process started with `posix_spawn`, for tests.
///
/// Foundation's `Process.run()` on Linux (swift-corelibs-foundation before PR #5472) copies a
/// whole 256-byte `d_name` out of each `/proc/self/fd` entry and now and then reads past the end of
/// glibc's buffer: the whole test process died with SIGSEGV in `Process.run()` in about one full
/// run in three. This starts children without that scan: pipes made close-on-exec, the child's
/// ends put on 0, 1 and 2, every other descriptor closed in the child.
public final class ChildProcess: @unchecked Sendable {
    public enum Stream: Sendable {
        /// A pipe this process reads (or, for standard input, writes).
        case pipe
        /// `/dev/null`.
        case null
        /// Standard error only: into the same pipe as standard output.
        case standardOutput
        /// Whatever this process has.
        case inherit
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    public let pid: pid_t
    /// The write end of the child's standard input, when it is a pipe.
    public let standardInput: FileHandle?
    /// The read end of the child's standard output, when it is a pipe.
    public let standardOutput: FileHandle?
    /// The read end of the child's standard error, when it is a pipe of its own.
    public let standardError: FileHandle?
    private let exit = ExitStatus()

    /// Starts `executable` with `arguments`; `environment` nil keeps this process's.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, standardInput input: Stream = .null,
        standardOutput output: Stream = .pipe, standardError error: Stream = .inherit
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentEnds: [Int32: Int32] = [:]
        var childEnds: [Int32] = []
        defer { for fd in childEnds { close(fd) } }
        func pipeFor(_ target: Int32, childReads: Bool) throws {
            var fds: [Int32] = [-1, -1]
            guard gatehouse_cloexec_pipe(&fds) == 0 else { throw SpawnError(description: "pipe2: \(String(cString: strerror(errno)))") }
            let (child, parent) = childReads ? (fds[0], fds[1]) : (fds[1], fds[0])
            childEnds.append(child)
            parentEnds[target] = parent
            posix_spawn_file_actions_adddup2(&actions, child, target)
        }
        for (target, stream) in [(Int32(0), input), (1, output), (2, error)] {
            switch stream {
            case .pipe: try pipeFor(target, childReads: target == 0)
            case .null: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .standardOutput: posix_spawn_file_actions_adddup2(&actions, 1, 2)
            case .inherit: break
            }
        }
        // The test process holds thousands of sockets; none of them belongs to the child.
        gatehouse_spawn_close_from(&actions, 3)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let variables = environment.map { $0.map { "\($0.key)=\($0.value)" } } ?? ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        let envp = variables.map { strdup($0) } + [nil]
        defer { for pointer in envp { free(pointer) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, nil, argv, envp)
        guard result == 0 else {
            for fd in parentEnds.values { close(fd) }
            throw SpawnError(description: "posix_spawn \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
        standardInput = parentEnds[0].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        standardOutput = parentEnds[1].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        standardError = parentEnds[2].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
    }

    /// Waits for the child to end: its exit code, or the signal that ended it (as Foundation's
    /// `terminationStatus` reports both). Blocks the calling thread.
    @discardableResult
    public func wait() -> Int32 {
        exit.value {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            let signal = status & 0x7f
            return signal == 0 ? (status >> 8) & 0xff : signal
        }
    }

    /// Waits without holding a cooperative thread.
    public func exitStatus() async -> Int32 {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: self.wait()) }
        }
    }

    /// True until the child has ended (and not been waited for).
    public var isRunning: Bool {
        guard !exit.isKnown else { return false }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return result == 0 }
        let signal = status & 0x7f
        exit.record(signal == 0 ? (status >> 8) & 0xff : signal)
        return false
    }

    public func signal(_ number: Int32) { kill(pid, number) }

    /// Runs to the end with `input` on standard input; returns the exit status and what it wrote
    /// on standard output (and standard error, when `mergeStandardError`).
    public static func run(
        _ executable: String, _ arguments: [String], input: Data? = nil, environment: [String: String]? = nil, mergeStandardError: Bool = false
    ) throws -> (status: Int32, output: Data) {
        let child = try ChildProcess(
            executable, arguments, environment: environment, standardInput: input == nil ? .null : .pipe,
            standardError: mergeStandardError ? .standardOutput : .inherit)
        if let input, let stdin = child.standardInput {
            // Written on another thread, so a child that answers before reading everything cannot
            // leave both sides waiting on full pipes.
            DispatchQueue.global().async {
                stdin.write(input)
                try? stdin.close()
            }
        }
        let output = child.standardOutput?.readDataToEndOfFile() ?? Data()
        return (child.wait(), output)
    }

    /// Reads standard output and standard error to their ends, standard error on another thread
    /// so that neither pipe can fill while the other is read.
    public func readToEnd() -> (output: Data, errors: Data) {
        let errors = Box()
        let done = DispatchSemaphore(value: 0)
        let standardError = self.standardError
        DispatchQueue.global().async {
            errors.set(standardError?.readDataToEndOfFile() ?? Data())
            done.signal()
        }
        let output = standardOutput?.readDataToEndOfFile() ?? Data()
        done.wait()
        return (output, errors.get())
    }

    private final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func set(_ value: Data) { lock.withLock { data = value } }
        func get() -> Data { lock.withLock { data } }
    }

    /// The exit status, once known (`waitpid` may be asked only once).
    private final class ExitStatus: @unchecked Sendable {
        private let lock = NSLock()
        private var status: Int32?

        var isKnown: Bool { lock.withLock { status != nil } }

        func record(_ value: Int32) { lock.withLock { if status == nil { status = value } } }

        func value(_ wait: () -> Int32) -> Int32 {
            if let known = lock.withLock({ status }) { return known }
            let found = wait()
            return lock.withLock {
                if status == nil { status = found }
                return status!
            }
        }
    }
}
