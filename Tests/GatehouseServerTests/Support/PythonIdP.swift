import Foundation
import GatehouseTestSupport

/// The stand-in Okta (`tests/python/idp_sign.py`, signxml) run from the repository's venv.
enum PythonIdP {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A base64 SAMLResponse for `email`, answering `inResponseTo` (nil: IdP-initiated), issued at `now`.
    static func signedResponse(email: String, inResponseTo: String?, acs: String, audience: String, now: Date, role: String? = nil) throws -> String {
        var request: [String: Any] = ["acs": acs, "audience": audience, "email": email, "now": Int(now.timeIntervalSince1970)]
        if let role { request["role"] = role }
        if let inResponseTo { request["in_response_to"] = inResponseTo }
        let python = repository.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else { throw Missing(description: "\(python) is missing: run `make venv`") }
        let (status, data) = try ChildProcess.run(
            python, [repository.appendingPathComponent("tests/python/idp_sign.py").path], input: try JSONSerialization.data(withJSONObject: request))
        guard status == 0 else { throw Missing(description: "idp_sign.py failed with \(status)") }
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs `tests/python/NAME` with the venv's Python; returns its exit status and output.
    static func run(_ script: String, arguments: [String], input: String) throws -> (status: Int32, output: String) {
        let python = repository.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else { throw Missing(description: "\(python) is missing: run `make venv`") }
        let (status, data) = try ChildProcess.run(
            python, [repository.appendingPathComponent("tests/python/\(script)").path] + arguments, input: Data(input.utf8), mergeStandardError: true)
        return (status, String(decoding: data, as: UTF8.self))
    }

    static func fixture(_ name: String) -> String {
        repository.appendingPathComponent("Tests/GatehouseSAMLTests/Fixtures/\(name)").path
    }

    struct Missing: Error, CustomStringConvertible {
        let description: String
    }
}

extension RawHTTP {
    /// A form POST with cookies, as a browser sends it.
    static func postForm(port: Int, _ target: String, fields: [(String, String)], cookies: [String] = []) async throws -> RawResponse {
        let body = fields.map { "\(formEncode($0.0))=\(formEncode($0.1))" }.joined(separator: "&")
        var lines = ["POST \(target) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Content-Type: application/x-www-form-urlencoded"]
        if !cookies.isEmpty { lines.append("Cookie: \(cookies.joined(separator: "; "))") }
        lines += ["Content-Length: \(body.utf8.count)", "Connection: close", "", body]
        return try await exchange(port: port, lines.joined(separator: "\r\n"))
    }

    static func formEncode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}

extension RawResponse {
    /// Every Set-Cookie as `name=value` (attributes dropped), for sending back.
    var cookies: [String] {
        headers.filter { $0.name.lowercased() == "set-cookie" }.map { String($0.value.prefix { $0 != ";" }) }
    }

    func cookie(_ name: String) -> String? { cookies.first { $0.hasPrefix(name + "=") } }

    func setCookie(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == "set-cookie" && $0.value.hasPrefix(name + "=") }?.value
    }
}
