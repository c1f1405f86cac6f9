import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// 1,000 connections that never finish their request head: a normal request is still answered
/// while they are open, and each of them is answered 408 and closed after `proxy.header_read_timeout`.
@Suite(.serialized) struct SlowlorisTests {
    static let slowConnections = 1_000
    /// Long enough to measure normal requests while all are open, even on a loaded machine.
    static let headerReadTimeout = 8

    @Test func aThousandUnfinishedHeadsDoNotSlowANormalRequestAndAreClosedAfterTheTimeout() async throws {
        try Self.allowFileDescriptors(4 * Self.slowConnections)
        let yaml = "public_paths: [\"^/public/\"]\nproxy:\n  header_read_timeout: \(Self.headerReadTimeout)s\n"
        try await TestGatehouse.with(extraYAML: yaml) { gatehouse in
            let port = gatehouse.ports.proxy
            let before = try await Self.latencies(port: port, count: 20)

            let clock = ContinuousClock()
            let opened = clock.now
            let slow = try await Self.openSlowConnections(port: port, count: Self.slowConnections)
            let openingTook = clock.now - opened
            let during = try await Self.latencies(port: port, count: 20)
            let stillOpen = slow.filter { $0.channel.isActive }.count
            let normalDone = clock.now - opened

            // Every slow connection is closed by the server, 408 first (part of a head had come).
            // Polled, not awaited: a future's get() would hang the test if they were never closed.
            let giveUp = clock.now + .seconds(Self.headerReadTimeout + 20)
            while clock.now < giveUp, slow.contains(where: { $0.closedAt == nil }) { try await Task.sleep(for: .milliseconds(50)) }
            let allClosed = clock.now - opened
            let answered408 = slow.filter { $0.received.hasPrefix("HTTP/1.1 408 Request Timeout\r\n") }.count
            // The server's timer starts at accept, after the client began to connect.
            let closedBeforeTimeout = slow.filter { ($0.closedAt ?? $0.connectStarted) - $0.connectStarted < .seconds(Self.headerReadTimeout) }
                .count

            print(
                """
                slowloris: opened \(Self.slowConnections) in \(openingTook); normal request latency (20 sequential GETs) \
                before: \(Self.summary(before)); while they were open: \(Self.summary(during)); \
                \(stillOpen) still open after the normal requests (\(normalDone) after opening began); \
                all closed \(allClosed) after opening began; \(answered408) answered 408
                """)
            #expect(normalDone < .seconds(Self.headerReadTimeout), "the machine was too slow to measure while all were open")
            #expect(stillOpen == Self.slowConnections)
            #expect(answered408 == Self.slowConnections)
            #expect(closedBeforeTimeout == 0)
            #expect(allClosed >= .seconds(Self.headerReadTimeout))
            #expect(allClosed < .seconds(Self.headerReadTimeout + 20))
            let hits = gatehouse.frontLimitHits(.headerReadTimeout)
            #expect(hits == Double(Self.slowConnections))
        }
    }

    /// Each GET's time to a whole 200, on a fresh connection; every one must succeed.
    static func latencies(port: Int, count: Int) async throws -> [Duration] {
        var results: [Duration] = []
        let clock = ContinuousClock()
        for index in 0..<count {
            let start = clock.now
            let response = try await RawHTTP.get(port: port, "/public/normal-\(index)")
            results.append(clock.now - start)
            #expect(response.status == 200)
        }
        return results
    }

    static func summary(_ durations: [Duration]) -> String {
        let sorted = durations.sorted()
        func ms(_ duration: Duration) -> String {
            String(format: "%.2f ms", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1e3)
        }
        return "p50 \(ms(sorted[sorted.count / 2])), max \(ms(sorted[sorted.count - 1]))"
    }

    /// Opens `count` connections, each of which sends the start of a request head and stops.
    static func openSlowConnections(port: Int, count: Int) async throws -> [SlowConnection] {
        var connections: [SlowConnection] = []
        let batch = 100
        for first in stride(from: 0, to: count, by: batch) {
            let connectStarted = ContinuousClock.now
            let futures = (first..<min(count, first + batch)).map { _ in
                let record = SlowConnectionRecord()
                return ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(RecordingHandler(record: record)) }
                    }
                    .connect(host: "127.0.0.1", port: port)
                    // The partial head goes at once: on a loaded machine the last batch may connect
                    // after the first batch's header read timeout, and those must have sent bytes.
                    .flatMap { channel in
                        channel.writeAndFlush(ByteBuffer(string: "GET /public/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Never-Finished: ")).map {
                            channel
                        }
                    }
                    .map { SlowConnection(channel: $0, record: record, connectStarted: connectStarted) }
            }
            for future in futures { connections.append(try await future.get()) }
        }
        return connections
    }

    /// Raises the soft limit on open files if it is below `needed` (client and server ends of
    /// every connection live in this process).
    static func allowFileDescriptors(_ needed: Int) throws {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        guard limit.rlim_cur < rlim_t(needed) else { return }
        limit.rlim_cur = min(limit.rlim_max, rlim_t(needed))
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        try #require(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 && limit.rlim_cur >= rlim_t(needed), "ulimit -n is below \(needed)")
    }
}

/// A client connection opened by the test and what the server sent it.
struct SlowConnection: Sendable {
    let channel: Channel
    let record: SlowConnectionRecord
    let connectStarted: ContinuousClock.Instant
    var received: String { record.received }
    var closedAt: ContinuousClock.Instant? { record.closedAt }
}

final class SlowConnectionRecord: Sendable {
    private let state = NIOLockedValueBox<(bytes: [UInt8], closedAt: ContinuousClock.Instant?)>(([], nil))
    var received: String { String(decoding: state.withLockedValue { $0.bytes }, as: UTF8.self) }
    var closedAt: ContinuousClock.Instant? { state.withLockedValue { $0.closedAt } }
    func append(_ buffer: ByteBuffer) { state.withLockedValue { $0.bytes.append(contentsOf: buffer.readableBytesView) } }
    func closed() { state.withLockedValue { $0.closedAt = ContinuousClock.now } }
}

final class RecordingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let record: SlowConnectionRecord
    init(record: SlowConnectionRecord) { self.record = record }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { record.append(unwrapInboundIn(data)) }
    func channelInactive(context: ChannelHandlerContext) {
        record.closed()
        context.fireChannelInactive()
    }
}
