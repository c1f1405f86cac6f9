import GatehouseProxy
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// The application's router answering the front proxy directly (SCIM), so a SCIM request skips
/// the Unix socket, a second HTTP parse and Hummingbird's connection handling. The routes and
/// handlers are the same ones the socket serves.
struct InProcessRouter: InProcessApplication {
    let responder: RouterResponder<BasicRequestContext>
    let logger: Logger

    func respond(to head: HTTPRequestHead, body: ByteBuffer, channel: Channel) -> EventLoopFuture<InProcessResponse> {
        let promise = channel.eventLoop.makePromise(of: InProcessResponse.self)
        promise.completeWithTask {
            var fields = HTTPFields()
            for (name, value) in head.headers {
                if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
            }
            let request = Request(
                head: HTTPRequest(
                    method: HTTPRequest.Method(head.method.rawValue) ?? .get, scheme: nil, authority: head.headers.first(name: "host"),
                    path: head.uri, headerFields: fields),
                body: RequestBody(buffer: body))
            let context = BasicRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
            let response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch let error as HTTPResponseError {
                response = try error.response(from: request, context: context)
            }
            let storage = NIOLockedValueBox(channel.allocator.buffer(capacity: response.body.contentLength ?? 512))
            try await response.body.write(BodyCollector(storage: storage))
            var headers = HTTPHeaders()
            for field in response.headers { headers.add(name: field.name.rawName, value: field.value) }
            let collected = storage.withLockedValue { $0 }
            headers.replaceOrAdd(name: "Content-Length", value: String(collected.readableBytes))
            return InProcessResponse(
                head: HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: response.status.code), headers: headers),
                body: collected)
        }
        return promise.futureResult
    }
}

/// Collects a response body into one buffer (a lock, as the writer is consumed by `write`).
private struct BodyCollector: ResponseBodyWriter {
    let storage: NIOLockedValueBox<ByteBuffer>

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        _ = storage.withLockedValue { $0.writeBuffer(&buffer) }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
