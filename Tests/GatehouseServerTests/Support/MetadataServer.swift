import Foundation
import Hummingbird
import NIOConcurrencyHelpers

/// A stand-in IdP metadata endpoint on 127.0.0.1 whose answer a test changes at will.
final class MetadataServer: Sendable {
    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var body: [UInt8]
        var headers: HTTPFields = [:]
        /// Wait this long before answering (an IdP that hangs).
        var delay: Duration = .zero
    }

    let port: Int
    private let answer: NIOLockedValueBox<Answer>
    private let hitCount: NIOLockedValueBox<Int>
    private let task: Task<Void, Error>

    var url: String { "http://127.0.0.1:\(port)/app/exk123/sso/saml/metadata" }
    var hits: Int { hitCount.withLockedValue { $0 } }

    func answer(_ next: Answer) { answer.withLockedValue { $0 = next } }

    static func start(serving body: [UInt8]) async throws -> MetadataServer {
        let answer = NIOLockedValueBox(Answer(status: .ok, body: body))
        let hits = NIOLockedValueBox(0)
        let router = Router()
        router.get("/**") { _, _ in
            hits.withLockedValue { $0 += 1 }
            let current = answer.withLockedValue { $0 }
            if current.delay > .zero { try await Task.sleep(for: current.delay) }
            var headers = current.headers
            headers[.contentType] = "application/xml"
            return Response(status: current.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: current.body)))
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }
        )
        let task = Task { try await app.runService() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return MetadataServer(port: port, answer: answer, hits: hits, task: task)
    }

    private init(port: Int, answer: NIOLockedValueBox<Answer>, hits: NIOLockedValueBox<Int>, task: Task<Void, Error>) {
        self.port = port
        self.answer = answer
        self.hitCount = hits
        self.task = task
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}
