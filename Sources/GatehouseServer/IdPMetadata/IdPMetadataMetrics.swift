import Foundation
import NIOConcurrencyHelpers
import Prometheus

/// Metadata health per tenant: age of the copy in use, load failures, and days until each
/// signing certificate expires (alert on it before the IdP's rollover catches anyone out).
final class IdPMetadataMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let certificateGauges = NIOLockedValueBox<[String: [Gauge]]>([:])

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func age(tenant: String, seconds: Double) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                metricName: "gatehouse_idp_metadata_age", unitName: "seconds", helpText: "Age of the IdP metadata in use."),
            labels: [("tenant", tenant)]
        ).set(seconds)
    }

    func loadFailed(tenant: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "gatehouse_idp_metadata_load_failures", unitName: "total", helpText: "Failed IdP metadata loads."),
            labels: [("tenant", tenant)]
        ).increment()
    }

    /// Replaces the tenant's certificate gauges (a rollover removes old ones).
    func certificateExpiry(tenant: String, days: [Double]) {
        let gauges = days.enumerated().map { index, value in
            let gauge = registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    metricName: "gatehouse_idp_signing_certificate_expiry", unitName: "days",
                    helpText: "Days until each IdP signing certificate in the metadata expires."),
                labels: [("tenant", tenant), ("certificate", String(index))]
            )
            gauge.set(value)
            return gauge
        }
        let stale = certificateGauges.withLockedValue { all in
            let previous = all[tenant] ?? []
            all[tenant] = gauges
            return previous.dropFirst(gauges.count)
        }
        for gauge in stale { registry.unregisterGauge(gauge) }
    }
}
