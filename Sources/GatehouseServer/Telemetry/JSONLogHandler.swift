import Logging

/// A swift-log handler that writes one JSON object per line. Metadata values are logged as
/// given: callers log ids and reasons, never cookies, tokens or assertions.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let sink: LogSink

    public init(label: String, level: Logger.Level, sink: LogSink = .standardOutput) {
        self.label = label
        logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = JSONLine(level: event.level.rawValue, message: event.message.description)
        line.field("logger", label)
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line.field(key, value.description)
        }
        sink.immediate(line.finish())
    }
}
