import Foundation
import GatehouseProxy
import GatehouseServer

extension TestGatehouse {
    /// `gatehouse_front_limit_hits_total{limit=…}` as the admin listener would serve it.
    func frontLimitHits(_ limit: FrontLimit) -> Double {
        let text = String(decoding: application.metrics.exposition(), as: UTF8.self)
        let prefix = "gatehouse_front_limit_hits_total{limit=\"\(limit.rawValue)\"} "
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return 0 }
        return Double(line.dropFirst(prefix.count)) ?? 0
    }
}

/// A log sink writing to a temporary file, read back by the test.
final class FileLogSink: Sendable {
    let path: String
    let sink: LogSink
    private let handle: FileHandle

    init() throws {
        path = NSTemporaryDirectory() + "gatehouse-log-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        sink = LogSink(fileDescriptor: handle.fileDescriptor)
    }

    /// The JSON lines written so far whose text contains `fragment`.
    func lines(containing fragment: String) throws -> [String] {
        sink.flush()
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init).filter { $0.contains(fragment) }
    }

    deinit { try? handle.close() }
}
