import Foundation
import GatehouseSAML
import NIOConcurrencyHelpers

/// A tenant's IdP as the last good metadata describes it, with its signing keys loaded once.
public struct TenantIdentityProvider: Sendable {
    public let metadata: IdPMetadata
    public let keys: IdPSignatureKeys
    /// When this copy was fetched (from the IdP, or originally, when it came from the store).
    public let fetchedAt: Date
    /// Where it was fetched from; a cached copy counts only for the same source.
    public let source: String
}

/// The IdP metadata in force per tenant; sign-in reads it, `IdPMetadataService` replaces it.
public final class IdPMetadataRegistry: Sendable {
    private let providers = NIOLockedValueBox<[String: TenantIdentityProvider]>([:])

    public init() {}

    public func provider(for tenantID: String) -> TenantIdentityProvider? { providers.withLockedValue { $0[tenantID] } }

    func publish(_ provider: TenantIdentityProvider, for tenantID: String) { providers.withLockedValue { $0[tenantID] = provider } }

    func remove(tenant tenantID: String) { providers.withLockedValue { $0[tenantID] = nil } }

    func remove(tenantsNotIn kept: Set<String>) { providers.withLockedValue { $0 = $0.filter { kept.contains($0.key) } } }

    var tenantIDs: [String] { providers.withLockedValue { Array($0.keys) } }
}
