import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// Bodies stream through the proxy in both directions with bounded memory.
@Suite(.serialized) struct StreamingTests {
    /// 1 GiB by default, as the issue asks; GATEHOUSE_STREAM_TEST_BYTES overrides for quick runs.
    static let totalBytes = Int(ProcessInfo.processInfo.environment["GATEHOUSE_STREAM_TEST_BYTES"] ?? "") ?? (1 << 30)
    /// Generous for two copies of socket buffers, far below the body size.
    static let memoryBound = 256 << 20

    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    @Test func aLargeUploadStreamsToTheUpstream() async throws {
        try await TestGatehouse.with(extraYAML: "public_paths: [\"^/upload$\"]\n") { gatehouse in
            let baseline = Self.residentBytes()
            let chunk = ByteBuffer(repeating: UInt8(ascii: "u"), count: 256 * 1024)
            let chunks = Self.totalBytes / chunk.readableBytes
            let peak = PeakTracker()
            let body = GeneratedChunks(chunk: chunk, count: chunks) { index in
                if index % 256 == 0 { peak.sample(Self.residentBytes() - baseline) }
            }
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(gatehouse.ports.proxy)/upload")
            request.method = .POST
            request.body = .stream(body, length: .known(Int64(chunks * chunk.readableBytes)))
            let response = try await HTTPClient.shared.execute(request, timeout: .minutes(10))
            #expect(response.status == .ok)
            let echo = try await response.body.collect(upTo: 1 << 20)
            let object = try JSONSerialization.jsonObject(with: Data(buffer: echo)) as? [String: Any]
            #expect(object?["body_bytes"] as? Int == chunks * chunk.readableBytes)
            #expect(peak.maximum < Self.memoryBound, "memory grew by \(peak.maximum) bytes during a \(Self.totalBytes)-byte upload")
        }
    }

    @Test func aLargeDownloadStreamsToTheClient() async throws {
        try await TestGatehouse.with(extraYAML: "public_paths: [\"^/download$\"]\n") { gatehouse in
            let baseline = Self.residentBytes()
            let request = HTTPClientRequest(url: "http://127.0.0.1:\(gatehouse.ports.proxy)/download?bytes=\(Self.totalBytes)")
            let response = try await HTTPClient.shared.execute(request, timeout: .minutes(10))
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "content-length") == String(Self.totalBytes))
            var received = 0
            var chunks = 0
            var maximumGrowth = 0
            for try await part in response.body {
                received += part.readableBytes
                chunks += 1
                if chunks % 512 == 0 { maximumGrowth = max(maximumGrowth, Self.residentBytes() - baseline) }
            }
            #expect(received == Self.totalBytes)
            #expect(maximumGrowth < Self.memoryBound, "memory grew by \(maximumGrowth) bytes during a \(Self.totalBytes)-byte download")
        }
    }
}

/// The largest memory growth seen.
final class PeakTracker: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func sample(_ bytes: Int) { lock.withLock { value = max(value, bytes) } }
    var maximum: Int { lock.withLock { value } }
}

/// A request body made on demand, chunk by chunk, so the client holds one chunk at a time.
struct GeneratedChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let chunk: ByteBuffer
    let count: Int
    let onChunk: @Sendable (Int) -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        let sequence: GeneratedChunks
        var index = 0

        mutating func next() async -> ByteBuffer? {
            guard index < sequence.count else { return nil }
            sequence.onChunk(index)
            index += 1
            return sequence.chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(sequence: self) }
}
