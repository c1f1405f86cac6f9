import GatehouseProxy
import NIOConcurrencyHelpers
import NIOCore
import Prometheus

/// Front-listener limits in metrics and the log: every event counts in
/// `gatehouse_front_limit_hits_total{limit}`; refusals are logged as a warning at most once per
/// limit every `logInterval`, with how many were not logged since (an attack must not flood the log).
final class FrontLimitTelemetry: Sendable {
    private struct LogWindow {
        var lastLogged: NIODeadline?
        var suppressed = 0
    }

    static let logInterval: TimeAmount = .seconds(10)
    private let counters: [FrontLimit: Counter]
    private let windows = NIOLockedValueBox<[FrontLimit: LogWindow]>([:])

    init(registry: PrometheusCollectorRegistry) {
        var counters: [FrontLimit: Counter] = [:]
        for limit in FrontLimit.allCases {
            counters[limit] = registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    metricName: "gatehouse_front_limit_hits", unitName: "total",
                    helpText: "Front connections refused or closed by a limit (timeouts, connection cap, head sizes)."),
                labels: [("limit", limit.rawValue)]
            )
        }
        self.counters = counters
    }

    func record(_ event: FrontLimitEvent, sink: LogSink, now: NIODeadline = .now()) {
        counters[event.limit]?.increment()
        guard event.limit.isRefusal else { return }
        let suppressed: Int? = windows.withLockedValue { windows in
            var window = windows[event.limit] ?? LogWindow()
            defer { windows[event.limit] = window }
            if let last = window.lastLogged, now - last < Self.logInterval {
                window.suppressed += 1
                return nil
            }
            defer { window.suppressed = 0 }
            window.lastLogged = now
            return window.suppressed
        }
        guard let suppressed else { return }
        var line = JSONLine(level: "warning", message: "front connection refused by a limit")
        line.field("limit", event.limit.rawValue)
        line.field("detail", event.detail)
        if let peer = event.peer { line.field("peer", peer) }
        line.field("not_logged_since_last", suppressed)
        sink.buffered(bytes: line.finishBytes())
    }
}
