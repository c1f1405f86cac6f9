import GatehouseBasics
import NIOCore
import NIOHTTP1

/// A response Gatehouse writes itself: the access gate's redirect or 401, and error pages. The
/// proxy adds `Content-Length`, `X-Request-Id` and, when the connection ends, `Connection: close`.
public struct LocalResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: String

    public init(status: HTTPResponseStatus, headers: HTTPHeaders, body: String) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Whether a request is an API call (JSON errors) rather than a page load (HTML, redirects).
    /// Asked for every request, so on bytes: media types are ASCII, compared without case.
    static func wantsJSON(_ headers: HTTPHeaders) -> Bool {
        if headers.contains(name: "x-requested-with") { return true }
        return headers[canonicalForm: "accept"].contains { containsJSONMediaType(String($0)) }
    }

    private static let jsonMediaType = Array("application/json".utf8)

    /// Whether `value` holds `application/json` in any ASCII case.
    static func containsJSONMediaType(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { $0.firstOffset(of: jsonMediaType, fold: \.asciiLowercased) != nil }
    }

    /// A signed-in person whose role a rule does not allow here.
    static func forbidden(wantsJSON: Bool, requestID: String) -> LocalResponse {
        if wantsJSON {
            return json(.forbidden, #"{"error":"forbidden","message":"Your role does not allow this.","request_id":"\#(requestID)"}"#)
        }
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>403 Forbidden</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
            code{background:#f3f3f3;padding:.1rem .3rem}</style></head><body>
            <h1>You do not have access to this page</h1>
            <p>Your role does not allow this part of the application. Ask your administrator if you need it.</p>
            <p>Reference: <code>\(requestID)</code></p></body></html>
            """
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        headers.add(name: "Cache-Control", value: "no-store")
        return LocalResponse(status: .forbidden, headers: headers, body: html)
    }

    /// An upstream failure: 502 (or 504) as a small HTML page or JSON.
    static func upstreamError(_ status: HTTPResponseStatus, wantsJSON: Bool, requestID: String) -> LocalResponse {
        let reason = status == .gatewayTimeout ? "did not answer in time" : "is not reachable"
        if wantsJSON {
            let code = status == .gatewayTimeout ? "upstream_timeout" : "upstream_unavailable"
            return json(status, #"{"error":"\#(code)","message":"The application \#(reason).","request_id":"\#(requestID)"}"#)
        }
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(status.code) \(status.reasonPhrase)</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
            code{background:#f3f3f3;padding:.1rem .3rem}</style></head><body>
            <h1>The application \(reason)</h1>
            <p>Gatehouse could not get an answer from the application behind it. Try again in a moment.</p>
            <p>If this keeps happening, give your administrator this reference: <code>\(requestID)</code></p>
            </body></html>
            """
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        headers.add(name: "Cache-Control", value: "no-store")
        return LocalResponse(status: status, headers: headers, body: html)
    }

    /// The session store did not answer: the request is refused until it does (Retry-After: 1).
    static func sessionsUnavailable(wantsJSON: Bool, requestID: String) -> LocalResponse {
        var response: LocalResponse
        if wantsJSON {
            response = json(
                .serviceUnavailable,
                #"{"error":"sessions_unavailable","message":"Sign-in cannot be checked right now; try again shortly.","request_id":"\#(requestID)"}"#)
        } else {
            let html = """
                <!doctype html><html lang="en"><head><meta charset="utf-8"><title>503 Service Unavailable</title>
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
                code{background:#f3f3f3;padding:.1rem .3rem}</style></head><body>
                <h1>Sign-in cannot be checked right now</h1>
                <p>Gatehouse cannot reach the store that holds sessions. Nothing is wrong with your account: try again in a moment.</p>
                <p>If this keeps happening, give your administrator this reference: <code>\(requestID)</code></p>
                </body></html>
                """
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
            headers.add(name: "Cache-Control", value: "no-store")
            response = LocalResponse(status: .serviceUnavailable, headers: headers, body: html)
        }
        response.headers.add(name: "Retry-After", value: "1")
        return response
    }

    /// A request target with dot segments or encoded separators: refused before any path rule.
    static func badRequestTarget(wantsJSON: Bool) -> LocalResponse {
        if wantsJSON { return json(.badRequest, #"{"error":"bad_request_target","message":"The request path is not acceptable."}"#) }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        return LocalResponse(status: .badRequest, headers: headers, body: "Bad request: the path is not acceptable.\n")
    }

    /// CONNECT and TRACE: never proxied.
    static func methodNotAllowed(wantsJSON: Bool) -> LocalResponse {
        var response =
            wantsJSON
            ? json(.methodNotAllowed, #"{"error":"method_not_allowed","message":"This method is not served."}"#)
            : LocalResponse(
                status: .methodNotAllowed, headers: HTTPHeaders([("Content-Type", "text/plain; charset=utf-8")]), body: "Method not allowed.\n")
        response.headers.add(name: "Allow", value: "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
        return response
    }

    /// Two `Host` headers, or one naming several hosts: upstreams would disagree on which is meant.
    static func badHost(wantsJSON: Bool) -> LocalResponse {
        if wantsJSON { return json(.badRequest, #"{"error":"bad_host","message":"The request must carry exactly one Host."}"#) }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        return LocalResponse(status: .badRequest, headers: headers, body: "Bad request: the request must carry exactly one Host.\n")
    }

    /// A JSON answer that no cache keeps.
    public static func json(_ status: HTTPResponseStatus, _ body: String) -> LocalResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Cache-Control", value: "no-store")
        return LocalResponse(status: status, headers: headers, body: body)
    }

    /// Percent-encodes everything but unreserved characters and `/`.
    static func percentEncodeQueryValue(_ text: String) -> String { PercentEncoding.encode(text, keeping: [UInt8(ascii: "/")]) }
}
