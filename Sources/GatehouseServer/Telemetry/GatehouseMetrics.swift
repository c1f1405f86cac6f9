import GatehouseProxy
import NIOConcurrencyHelpers
import NIOCore
import Prometheus

/// Prometheus metrics for the proxy and the process, served on the admin listener.
public final class GatehouseMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let inFlight: Gauge
    private let durations: [RouteClass: DurationHistogram]
    private let upstreamErrors: [String: Counter]
    private let requestCounters = NIOLockedValueBox<[Int: Counter]>([:])
    private let reloadCounters: [Bool: Counter]
    let frontLimits: FrontLimitTelemetry

    static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    public init() {
        inFlight = registry.makeGauge(descriptor: Self.named("gatehouse_http_in_flight", unit: "requests", "Requests being served now."))
        var durations: [RouteClass: DurationHistogram] = [:]
        var upstreamErrors: [String: Counter] = [:]
        for route in RouteClass.all {
            durations[route] = registry.makeDurationHistogram(
                descriptor: Self.named("gatehouse_http_request_duration", unit: "seconds", "Time from request head to the end of the response."),
                labels: [("route", route.rawValue)], buckets: Self.latencyBuckets
            )
            for failure in UpstreamFailure.allCases {
                upstreamErrors["\(route.rawValue)/\(failure.rawValue)"] = registry.makeCounter(
                    descriptor: Self.named("gatehouse_upstream_errors", unit: "total", "Failed exchanges with the upstream, by kind."),
                    labels: [("route", route.rawValue), ("kind", failure.rawValue)]
                )
            }
        }
        self.durations = durations
        self.upstreamErrors = upstreamErrors
        frontLimits = FrontLimitTelemetry(registry: registry)
        reloadCounters = [
            true: registry.makeCounter(
                descriptor: Self.named("gatehouse_config_reloads", unit: "total", "Configuration reloads."), labels: [("result", "success")]),
            false: registry.makeCounter(
                descriptor: Self.named("gatehouse_config_reloads", unit: "total", "Configuration reloads."), labels: [("result", "failure")]),
        ]
    }

    func requestStarted() { inFlight.increment() }

    func requestCompleted(route: RouteClass, status: Int, duration: Duration) {
        inFlight.decrement()
        durations[route]?.record(duration)
        counter(route: route, status: status).increment()
    }

    func upstreamFailed(_ failure: UpstreamFailure, route: RouteClass) {
        upstreamErrors["\(route.rawValue)/\(failure.rawValue)"]?.increment()
    }

    func configReloaded(success: Bool) { reloadCounters[success]?.increment() }

    /// Counters are made on first use per route and status, then reused.
    private func counter(route: RouteClass, status: Int) -> Counter {
        let key = (RouteClass.all.firstIndex(of: route) ?? 0) * 1_000 + status
        if let existing = requestCounters.withLockedValue({ $0[key] }) { return existing }
        let counter = registry.makeCounter(
            descriptor: Self.named("gatehouse_http_requests", unit: "total", "Requests served, by route class and status."),
            labels: [("route", route.rawValue), ("status", String(status))]
        )
        requestCounters.withLockedValue { $0[key] = counter }
        return counter
    }

    private static func named(_ name: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: unit, helpText: help)
    }

    /// The Prometheus text exposition.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }
}

/// Turns what the proxy observes into metrics and the JSON access log.
struct ProxyTelemetry: ProxyObserver {
    let metrics: GatehouseMetrics
    let sink: LogSink
    let accessLog: Bool
    let lookUpFailures = OncePerSecond()

    func requestStarted() { metrics.requestStarted() }

    func requestCompleted(_ request: CompletedRequest) {
        metrics.requestCompleted(route: request.route, status: request.status, duration: request.duration)
        guard accessLog else { return }
        var line = JSONLine(level: "info", message: "request")
        line.field("request_id", request.requestID)
        line.field("method", request.method)
        line.field("path", request.path)
        line.field("status", request.status)
        line.field("route", request.route.rawValue)
        line.field("duration_ms", milliseconds: request.duration)
        if let peer = request.peer { line.field("peer", peer) }
        sink.buffered(bytes: line.finishBytes())
    }

    func upstreamFailed(_ failure: UpstreamFailure, route: RouteClass) {
        metrics.upstreamFailed(failure, route: route)
    }

    func refusedIdentity(userID: String, requestID: String) {
        var line = JSONLine(level: "error", message: "identity not sent upstream: a stored value holds a control character; fix the user record")
        line.field("request_id", requestID)
        line.field("user_id", userID)  // JSONLine escapes control characters
        sink.buffered(bytes: line.finishBytes())
    }

    func sessionLookupFailed(requestID: String, reason: String) {
        // One line a second at most while the store is down; the count says how many were refused.
        guard let refused = lookUpFailures.take() else { return }
        var line = JSONLine(level: "error", message: "session not checked: the store did not answer; the request got a 503")
        line.field("request_id", requestID)
        line.field("reason", String(reason.prefix(300)))
        line.field("refused_since_last_line", refused)
        sink.buffered(bytes: line.finishBytes())
    }

    func frontLimitReached(_ event: FrontLimitEvent) { metrics.frontLimits.record(event, sink: sink) }
}

/// Counts events and lets one through a second (with how many came since the last one).
final class OncePerSecond: Sendable {
    private let state = NIOLockedValueBox((last: NIODeadline.distantPast, count: 0))

    func take() -> Int? {
        state.withLockedValue { state in
            state.count += 1
            let now = NIODeadline.now()
            guard now - state.last >= .seconds(1) else { return nil }
            defer { (state.last, state.count) = (now, 0) }
            return state.count
        }
    }
}
