import GatehouseStore
import Hummingbird
import NIOConcurrencyHelpers

/// Whether the process should receive traffic: false once shutdown has begun.
public final class Readiness: Sendable {
    private let draining = NIOLockedValueBox(false)
    public init() {}
    public var isDraining: Bool { draining.withLockedValue { $0 } }
    public func beginDraining() { draining.withLockedValue { $0 = true } }
}

/// The admin listener: liveness, readiness and Prometheus metrics, on its own port.
enum AdminRoutes {
    static func router(store: any Store, metrics: GatehouseMetrics, readiness: Readiness) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in plain(.ok, "ok\n") }
        router.get("/readyz") { _, context in
            if readiness.isDraining { return plain(.serviceUnavailable, "shutting down\n") }
            do {
                try await store.ping()
                return plain(.ok, "ready\n")
            } catch {
                context.logger.warning("readiness check failed", metadata: ["reason": "store_unreachable", "error": "\(error)"])
                return plain(.serviceUnavailable, "store unreachable\n")
            }
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition()))
            )
        }
        return router
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
