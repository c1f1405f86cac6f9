import GatehouseProxy
import Logging
import NIOCore
import ServiceLifecycle

/// Runs the front proxy until graceful shutdown, then drains it within the configured deadline.
struct ProxyService: Service {
    let server: ProxyServer
    let deadline: Duration
    let readiness: Readiness
    let logger: Logger
    let bound: EventLoopPromise<Int>

    func run() async throws {
        let port: Int
        do {
            port = try await server.start()
        } catch {
            bound.fail(error)
            throw error
        }
        bound.succeed(port)
        logger.info("proxy listening", metadata: ["port": "\(port)"])
        // Returns on graceful shutdown (SIGTERM/SIGINT) and throws on cancellation; drain either way.
        try? await gracefulShutdown()
        readiness.beginDraining()
        logger.info("draining connections", metadata: ["deadline_seconds": "\(deadline.components.seconds)"])
        let drained = await server.drain(deadline: deadline)
        if drained {
            logger.info("all connections drained")
        } else {
            logger.warning("shutdown deadline passed with connections still open; closing them")
        }
    }
}

/// Writes buffered access-log lines a few times a second, and once more at shutdown.
struct LogFlushService: Service {
    let sink: LogSink

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: .milliseconds(200))
            sink.flush()
        }
        sink.flush()
    }
}
