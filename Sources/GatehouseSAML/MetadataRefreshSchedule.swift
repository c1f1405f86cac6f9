import Foundation
import GatehouseBasics
import GatehouseXML

/// When a tenant's IdP metadata is fetched again: after the configured interval (hourly by
/// default), sooner when the metadata's cacheDuration says so, never after its validUntil, and
/// not more often than once a minute (an IdP that says `PT1S` is not obeyed literally).
public enum MetadataRefreshSchedule {
    public static let minimumInterval: Duration = .seconds(60)
    /// How soon a failed fetch is tried again while the last good copy stays in use.
    public static let retryAfterFailure: Duration = .seconds(60)

    public static func nextRefresh(after fetchedAt: Date, metadata: IdPMetadata, interval: Duration) -> Date {
        var seconds = interval.timeInterval
        if let cache = metadata.cacheDuration { seconds = min(seconds, cache.timeInterval) }
        if let validUntil = metadata.validUntil { seconds = min(seconds, validUntil.timeIntervalSince(fetchedAt)) }
        return fetchedAt.addingTimeInterval(max(seconds, minimumInterval.timeInterval))
    }
}

extension IdPMetadata {
    /// Metadata whose validUntil has passed must not be used (SAML metadata §2.2.1).
    public func isCurrent(at now: Date) -> Bool {
        guard let validUntil else { return true }
        return now < validUntil
    }

    /// Each signing certificate's notAfter, in the order of `signingCertificatesPEM` (nil if unreadable).
    public var signingCertificateExpiries: [Date?] { signingCertificatesPEM.map { X509Expiry.notAfter(certificatePEM: $0) } }
}
