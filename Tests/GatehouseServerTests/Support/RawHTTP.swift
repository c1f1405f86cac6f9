import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Sends exact bytes and reads until the server closes: for tests that must control every header
/// byte (odd spellings, hop-by-hop headers) and see the raw response.
enum RawHTTP {
    static func exchange(port: Int, _ request: String) async throws -> RawResponse {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        var received = ByteBuffer()
        try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            for try await chunk in inbound {
                var chunk = chunk
                received.writeBuffer(&chunk)
            }
        }
        return RawResponse(String(buffer: received))
    }

    /// The status of a GET for each target, for tables of expectations.
    static func statuses(port: Int, _ targets: [String]) async throws -> [String: Int] {
        var statuses: [String: Int] = [:]
        for target in targets { statuses[target] = try await get(port: port, target).status }
        return statuses
    }

    /// A GET with the given extra header lines, closing the connection after the response.
    static func get(port: Int, _ target: String, headers: [String] = []) async throws -> RawResponse {
        let lines = ["GET \(target) HTTP/1.1", "Host: 127.0.0.1:\(port)"] + headers + ["Connection: close", "", ""]
        return try await exchange(port: port, lines.joined(separator: "\r\n"))
    }
}

/// A parsed HTTP/1.1 response.
struct RawResponse {
    let raw: String
    let status: Int
    let headers: [(name: String, value: String)]
    let body: String

    init(_ raw: String) {
        self.raw = raw
        let parts = raw.components(separatedBy: "\r\n\r\n")
        let head = parts.first ?? ""
        body = parts.dropFirst().joined(separator: "\r\n\r\n")
        let lines = head.components(separatedBy: "\r\n")
        status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        headers = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The demo upstream's JSON echo: the headers it received, as (name, value) pairs.
    func upstreamHeaders() throws -> [(name: String, value: String)] {
        guard let data = body.data(using: .utf8),
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let pairs = object["headers"] as? [[String]]
        else { throw RawResponseError.notAnEcho(body) }
        return pairs.map { ($0[0], $0[1]) }
    }

    func upstreamHeader(_ name: String) throws -> [String] {
        try upstreamHeaders().filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }
}

enum RawResponseError: Error {
    case notAnEcho(String)
}

extension RawHTTP {
    /// What came back within `seconds`, and whether the server closed the connection by then:
    /// for tests whose failure would otherwise be a connection that is never answered.
    static func exchange(port: Int, _ request: String, within seconds: Double) async throws -> (raw: String, closed: Bool) {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        let deadline = channel.channel.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1_000))) { channel.channel.close(promise: nil) }
        let received = NIOLockedValueBox(ByteBuffer())
        let closedByServer = NIOLockedValueBox(false)
        try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            do {
                for try await chunk in inbound {
                    var chunk = chunk
                    received.withLockedValue { _ = $0.writeBuffer(&chunk) }
                }
                closedByServer.withLockedValue { $0 = true }
            } catch {
                // A reset ends the connection too (the server closed with bytes of ours unread).
                closedByServer.withLockedValue { $0 = true }
            }
        }
        deadline.cancel()
        // Our own close at the deadline also ends the stream: tell them apart by the timer.
        let passed = await deadlinePassed(deadline)
        let closed = closedByServer.withLockedValue { $0 } && !passed
        return (String(buffer: received.withLockedValue { $0 }), closed)
    }

    private static func deadlinePassed(_ task: Scheduled<Void>) async -> Bool {
        do {
            try await task.futureResult.get()
            return true
        } catch {
            return false
        }
    }
}
