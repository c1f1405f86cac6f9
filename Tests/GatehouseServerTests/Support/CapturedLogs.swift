import Logging
import NIOConcurrencyHelpers

/// A log handler that keeps messages in memory, so a test can assert what was warned about.
final class CapturedLogs: Sendable {
    private let lines = NIOLockedValueBox<[(Logger.Level, String, Logger.Metadata)]>([])

    var logger: Logger {
        Logger(label: "captured") { _ in Handler(owner: self) }
    }

    func messages(at level: Logger.Level) -> [(String, Logger.Metadata)] {
        lines.withLockedValue { $0.filter { $0.0 == level }.map { ($0.1, $0.2) } }
    }

    fileprivate func append(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) {
        lines.withLockedValue { $0.append((level, message, metadata)) }
    }

    private struct Handler: LogHandler {
        let owner: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            owner.append(event.level, "\(event.message)", metadata.merging(event.metadata ?? [:]) { $1 })
        }
    }
}
