import DemoUpstream
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import GatehouseProxy

/// The second line behind the identity check: whatever Gatehouse writes to an upstream channel
/// is validated there, so a value with CR LF fails the exchange instead of becoming a header.
@Suite struct UpstreamHeaderValidationTests {
    final class Recorder: UpstreamConnectionDelegate {
        let outcome: EventLoopPromise<String>
        init(outcome: EventLoopPromise<String>) { self.outcome = outcome }
        var frontIsWritable: Bool { true }
        var isSendingRequest: Bool { false }
        func upstreamReceived(_ part: HTTPClientResponsePart) {
            if case .head(let head) = part { outcome.succeed("answered \(head.status.code)") }
        }
        func upstreamReadComplete() {}
        func upstreamBecameWritable() {}
        func upstreamFailed(_ failure: UpstreamFailure) { outcome.succeed("failed \(failure.rawValue)") }
    }

    static func send(_ value: String, to upstream: DemoUpstreamServer) async throws -> String {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let port = upstream.port
        return try await loop.flatSubmit {
            let outcome = loop.makePromise(of: String.self)
            let pool = UpstreamPool(
                eventLoop: loop, target: .tcp(host: "127.0.0.1", port: port), connectTimeout: .seconds(2), readTimeout: .seconds(2), maximumIdle: 1)
            let recorder = Recorder(outcome: outcome)
            pool.acquire { result in
                guard case .success(let connection) = result else { return outcome.succeed("no connection") }
                connection.delegate = recorder
                var headers = HTTPHeaders()
                headers.add(name: "Host", value: "x")
                headers.add(name: "X-Forwarded-Email", value: value)
                connection.write(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/echo", headers: headers)))
                connection.write(.end(nil))
                connection.flush()
            }
            // Both stay alive until the outcome is known.
            return outcome.futureResult.assumeIsolated().map { [pool, recorder] answer in
                _ = (pool, recorder)
                return answer
            }.nonisolated()
        }.get()
    }

    @Test func aHeaderValueWithCRLFNeverLeavesGatehouse() async throws {
        let upstream = try await DemoUpstreamServer.start()
        #expect(try await Self.send("alice@acme.com", to: upstream) == "answered 200")
        #expect(try await Self.send("alice@acme.com\r\nX-Injected: yes", to: upstream) == "failed closed")
        #expect(try await Self.send("alice@acme.com\nGET /admin HTTP/1.1", to: upstream) == "failed closed")
        try await upstream.close()
    }
}
