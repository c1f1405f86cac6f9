import Foundation
import Testing

/// Sends SCIM requests as an IdP does, byte for byte: the method, target and JSON body given,
/// `application/scim+json`, a bearer token.
struct SCIMClient: Sendable {
    let port: Int
    let token: String
    var base = "/scim/v2/acme"

    func send(_ method: String, _ target: String, _ body: String? = nil, headers: [String] = []) async throws -> SCIMReply {
        var lines = [
            "\(method) \(base)\(target) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Authorization: Bearer \(token)", "Accept: application/scim+json",
        ]
        if let body { lines += ["Content-Type: application/scim+json; charset=utf-8", "Content-Length: \(body.utf8.count)"] }
        lines += headers + ["Connection: close", "", body ?? ""]
        return SCIMReply(try await RawHTTP.exchange(port: port, lines.joined(separator: "\r\n")))
    }

    func get(_ target: String, headers: [String] = []) async throws -> SCIMReply { try await send("GET", target, headers: headers) }
    func post(_ target: String, _ body: String) async throws -> SCIMReply { try await send("POST", target, body) }
    func put(_ target: String, _ body: String, headers: [String] = []) async throws -> SCIMReply {
        try await send("PUT", target, body, headers: headers)
    }
    func patch(_ target: String, _ body: String, headers: [String] = []) async throws -> SCIMReply {
        try await send("PATCH", target, body, headers: headers)
    }
    func delete(_ target: String, headers: [String] = []) async throws -> SCIMReply { try await send("DELETE", target, headers: headers) }

    /// `filter=…` as Okta encodes it (spaces and quotes percent-encoded).
    static func query(_ filter: String) -> String {
        filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? filter
    }
}

/// A response with its JSON body parsed.
struct SCIMReply: @unchecked Sendable {
    let raw: RawResponse
    var status: Int { raw.status }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(raw.body.utf8)) as? [String: Any]) ?? [:] }

    init(_ raw: RawResponse) { self.raw = raw }

    subscript(key: String) -> Any? { json[key] }
    var id: String { json["id"] as? String ?? "" }
    var resources: [[String: Any]] { json["Resources"] as? [[String: Any]] ?? [] }
    var etag: String? { raw.header("ETag") }
    /// The body as text, for sending back exactly what was read (Okta's PUT).
    var body: String { raw.body }
}
