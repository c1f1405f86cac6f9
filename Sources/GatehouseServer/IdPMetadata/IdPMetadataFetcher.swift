import AsyncHTTPClient
import Foundation
import GatehouseBasics
import GatehouseConfig
import GatehouseProxy
import NIOConcurrencyHelpers
import NIOCore

/// Why a metadata document could not be read; the reason goes to the log and the failure metric.
struct MetadataLoadError: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// Reads a tenant's IdP metadata from its file or its http(s) URL: one GET, no redirects, a time
/// limit and a size cap. Plain http is refused unless the host is loopback or the tenant sets
/// `insecure_allow_http_metadata` (config validation says so too; this is the second lock).
final class IdPMetadataFetcher: Sendable {
    /// Made on the first URL fetch, so a process with file metadata only (or one that never runs)
    /// has no client to shut down.
    private let client = NIOLockedValueBox<HTTPClient?>(nil)
    private let maximumBytes: Int
    private let timeout: Duration

    init(settings: SAMLSettings) {
        maximumBytes = settings.maxMetadataBytes
        timeout = settings.metadataFetchTimeout
    }

    private func httpClient() -> HTTPClient {
        client.withLockedValue { existing in
            if let existing { return existing }
            let limit = TimeAmount.nanoseconds(timeout.nanoseconds)
            let made = HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: limit, read: limit))
            )
            existing = made
            return made
        }
    }

    /// A short description of where the tenant's metadata comes from (also the cache's identity).
    static func source(of tenant: TenantConfiguration) -> String? {
        if let url = tenant.idpMetadataURL { return url }
        if let file = tenant.idpMetadataFile { return "file:" + file }
        return nil
    }

    func fetch(_ tenant: TenantConfiguration) async throws(MetadataLoadError) -> [UInt8] {
        if let file = tenant.idpMetadataFile { return try read(file) }
        guard let url = tenant.idpMetadataURL else { throw MetadataLoadError(reason: "no idp_metadata_url or idp_metadata_file") }
        return try await get(url, allowInsecureHTTP: tenant.insecureAllowHTTPMetadata)
    }

    private func read(_ path: String) throws(MetadataLoadError) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw MetadataLoadError(reason: "cannot open \(path)") }
        defer { try? handle.close() }
        let data: Data?
        do { data = try handle.read(upToCount: maximumBytes + 1) } catch { throw MetadataLoadError(reason: "cannot read \(path): \(error)") }
        let bytes = Array(data ?? Data())
        guard bytes.count <= maximumBytes else { throw MetadataLoadError(reason: "\(path) is larger than \(maximumBytes) bytes") }
        return bytes
    }

    private func get(_ url: String, allowInsecureHTTP: Bool) async throws(MetadataLoadError) -> [UInt8] {
        try Self.checkScheme(url, allowInsecureHTTP: allowInsecureHTTP)
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/samlmetadata+xml, application/xml;q=0.9, */*;q=0.1")
        do {
            let response = try await httpClient().execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            guard response.status == .ok else { throw MetadataLoadError(reason: "HTTP \(response.status.code) from the metadata URL") }
            if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > maximumBytes {
                throw MetadataLoadError(reason: "metadata of \(length) bytes is larger than \(maximumBytes)")
            }
            let body = try await response.body.collect(upTo: maximumBytes)
            return Array(buffer: body)
        } catch let error as MetadataLoadError {
            throw error
        } catch is NIOTooManyBytesError {
            throw MetadataLoadError(reason: "metadata is larger than \(maximumBytes) bytes")
        } catch {
            throw MetadataLoadError(reason: "fetch failed: \(error)")
        }
    }

    static func checkScheme(_ url: String, allowInsecureHTTP: Bool) throws(MetadataLoadError) {
        let lower = url.lowercased()
        if lower.hasPrefix("https://") { return }
        guard lower.hasPrefix("http://") else { throw MetadataLoadError(reason: "only http(s) metadata URLs are fetched") }
        let authority = lower.dropFirst(7).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.hasPrefix("[") ? String(authority.dropFirst().prefix { $0 != "]" }) : String(authority.prefix { $0 != ":" })
        let loopback = host == "localhost" || host == "::1" || host.hasPrefix("127.")
        guard loopback || allowInsecureHTTP else { throw MetadataLoadError(reason: "plain http is refused for a non-loopback host") }
    }

    func shutdown() async {
        let made = client.withLockedValue { current in
            defer { current = nil }
            return current
        }
        try? await made?.shutdown()
    }
}
