import Foundation
import GatehouseBasics
import GatehouseConfig
import GatehouseSAML
import GatehouseStore
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Keeps every tenant's IdP metadata loaded and fresh: at start, when a tenant or its metadata
/// source appears in the configuration (no restart), and on the refresh schedule. The last good
/// copy is kept in the store, so a restart works while the IdP is unreachable; a failed refresh
/// keeps the copy in use until its validUntil passes.
public final class IdPMetadataService: Service, Sendable {
    private struct Schedule: Sendable {
        var source: String
        var nextAttempt: Date
    }

    /// A last good copy as stored: where it came from, when, and the document itself.
    private struct CachedCopy: Codable {
        var source: String
        var fetchedAt: Date
        var document: Data
    }

    public let registry: IdPMetadataRegistry
    private let store: Store
    private let fetcher: IdPMetadataFetcher
    private let metrics: IdPMetadataMetrics
    private let logger: Logger
    private let tenants: @Sendable () -> [TenantConfiguration]
    private let now: @Sendable () -> Date
    private let tick: Duration
    private let schedules = NIOLockedValueBox<[String: Schedule]>([:])
    /// Certificates expiring sooner than this are warned about in the log.
    static let expiryWarning: TimeInterval = 30 * 86_400

    init(
        registry: IdPMetadataRegistry, store: Store, settings: SAMLSettings, metrics: IdPMetadataMetrics, logger: Logger,
        tenants: @escaping @Sendable () -> [TenantConfiguration], now: @escaping @Sendable () -> Date = { Date() }, tick: Duration = .seconds(1)
    ) {
        self.registry = registry
        self.store = store
        fetcher = IdPMetadataFetcher(settings: settings)
        self.metrics = metrics
        self.logger = logger
        self.tenants = tenants
        self.now = now
        self.tick = tick
    }

    public func run() async throws {
        await refreshDue()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // A short tick only compares times and the configured sources; fetching follows the schedule.
            try? await Task.sleep(for: tick)
            await refreshDue()
        }
        await close()
    }

    /// Releases the HTTP client; `run` does this on the way out, tests that drive `refreshDue` call it.
    public func close() async { await fetcher.shutdown() }

    /// Loads each tenant whose metadata is missing, whose source changed, or whose refresh is due.
    public func refreshDue() async {
        let moment = now()
        let configured = tenants()
        registry.remove(tenantsNotIn: Set(configured.map(\.id)))
        for tenant in configured {
            guard let source = IdPMetadataFetcher.source(of: tenant) else { continue }
            let schedule = schedules.withLockedValue { $0[tenant.id] }
            if schedule == nil || schedule?.source != source || moment >= schedule!.nextAttempt {
                await load(tenant, source: source, now: moment)
            }
            if let provider = registry.provider(for: tenant.id) {
                metrics.age(tenant: tenant.id, seconds: moment.timeIntervalSince(provider.fetchedAt))
            }
        }
    }

    private func load(_ tenant: TenantConfiguration, source: String, now: Date) async {
        do {
            let bytes = try await fetcher.fetch(tenant)
            let provider = try Self.provider(from: bytes, tenant: tenant, source: source, fetchedAt: now, now: now)
            registry.publish(provider, for: tenant.id)
            setSchedule(
                tenant.id, source: source,
                next: MetadataRefreshSchedule.nextRefresh(after: now, metadata: provider.metadata, interval: tenant.idpMetadataRefresh))
            await keep(bytes, tenant: tenant.id, source: source, fetchedAt: now)
            logger.info(
                "IdP metadata loaded",
                metadata: [
                    "tenant": "\(tenant.id)", "entity_id": "\(provider.metadata.entityID)",
                    "signing_certificates": "\(provider.metadata.signingCertificatesPEM.count)",
                ]
            )
            report(provider, tenant: tenant.id, now: now)
        } catch {
            metrics.loadFailed(tenant: tenant.id)
            setSchedule(
                tenant.id, source: source, next: now.addingTimeInterval(MetadataRefreshSchedule.retryAfterFailure.timeInterval))
            logger.warning("IdP metadata load failed", metadata: ["tenant": "\(tenant.id)", "reason": "\(error)"])
            await fallBack(tenant, source: source, now: now)
        }
    }

    /// After a failure: keep the copy in use while it is current and from the same source; else the
    /// stored last good copy; else nothing (sign-in for this tenant fails closed).
    private func fallBack(_ tenant: TenantConfiguration, source: String, now: Date) async {
        if let inUse = registry.provider(for: tenant.id), inUse.source == source, inUse.metadata.isCurrent(at: now) { return }
        do {
            guard let stored = try await store.setting(Self.storeKey(tenant.id)) else {
                throw MetadataLoadError(reason: "no stored copy")
            }
            let copy = try JSONDecoder().decode(CachedCopy.self, from: Data(stored))
            guard copy.source == source else { throw MetadataLoadError(reason: "the stored copy is from another source") }
            let provider = try Self.provider(from: Array(copy.document), tenant: tenant, source: source, fetchedAt: copy.fetchedAt, now: now)
            registry.publish(provider, for: tenant.id)
            logger.warning(
                "using the last good IdP metadata from the store", metadata: ["tenant": "\(tenant.id)", "fetched_at": "\(copy.fetchedAt)"]
            )
            report(provider, tenant: tenant.id, now: now)
        } catch {
            registry.remove(tenant: tenant.id)
            logger.error("no usable IdP metadata; sign-in for this tenant is refused", metadata: ["tenant": "\(tenant.id)", "reason": "\(error)"])
        }
    }

    private static func provider(from bytes: [UInt8], tenant: TenantConfiguration, source: String, fetchedAt: Date, now: Date) throws
        -> TenantIdentityProvider
    {
        let metadata = try IdPMetadata.parse(bytes, entityID: tenant.idpEntityID)
        guard metadata.isCurrent(at: now) else { throw MetadataLoadError(reason: "metadata validUntil has passed") }
        let keys = try IdPSignatureKeys(certificatesPEM: metadata.signingCertificatesPEM)
        return TenantIdentityProvider(metadata: metadata, keys: keys, fetchedAt: fetchedAt, source: source)
    }

    private func keep(_ bytes: [UInt8], tenant: String, source: String, fetchedAt: Date) async {
        do {
            let copy = try JSONEncoder().encode(CachedCopy(source: source, fetchedAt: fetchedAt, document: Data(bytes)))
            try await store.setSetting(Self.storeKey(tenant), value: Array(copy))
        } catch {
            logger.warning("could not keep the IdP metadata in the store", metadata: ["tenant": "\(tenant)", "reason": "\(error)"])
        }
    }

    private func report(_ provider: TenantIdentityProvider, tenant: String, now: Date) {
        let expiries = provider.metadata.signingCertificateExpiries
        metrics.certificateExpiry(tenant: tenant, days: expiries.map { ($0?.timeIntervalSince(now) ?? 0) / 86_400 })
        for (index, expiry) in expiries.enumerated() {
            guard let expiry, expiry.timeIntervalSince(now) < Self.expiryWarning else { continue }
            logger.warning(
                "IdP signing certificate expires soon; ask the customer to publish the next one",
                metadata: [
                    "tenant": "\(tenant)", "certificate": "\(index)", "not_after": "\(expiry)",
                    "days_left": "\(Int(expiry.timeIntervalSince(now) / 86_400))",
                ]
            )
        }
    }

    private func setSchedule(_ tenant: String, source: String, next: Date) {
        schedules.withLockedValue { $0[tenant] = Schedule(source: source, nextAttempt: next) }
    }

    static func storeKey(_ tenant: String) -> String { storeKeyPrefix + tenant }
    static let storeKeyPrefix = "idp_metadata/"
}
