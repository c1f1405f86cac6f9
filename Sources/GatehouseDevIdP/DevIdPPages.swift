import GatehouseSAML
import HTTPTypes
import Hummingbird

/// The dev IdP's own pages: plain HTML, every value escaped (with the SAML writer's attribute
/// escaping, which covers HTML text and quoted attributes alike).
enum DevIdPPages {
    static func escape(_ value: String) -> String { XMLWriter.escapedAttribute(value) }

    static func page(status: HTTPResponse.Status, title: String, body: String) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>body{font-family:system-ui,sans-serif;max-width:30rem;margin:4rem auto;padding:0 1rem;color:#1f2328}
            label{display:block;font-weight:600;margin-bottom:.4rem}input[type=email]{width:100%;padding:.6rem;font-size:1rem;box-sizing:border-box}
            button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem}</style>
            </head><body><main><h1>\(escape(title))</h1>\(body)</main></body></html>
            """
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("Content-Security-Policy")!:
                    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' https: http:; frame-ancestors 'none'",
                HTTPField.Name("X-Frame-Options")!: "DENY",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page that posts `fields` to `action` on load (a button without JavaScript).
    static func autoPost(action: String, fields: [(String, String)], title: String) -> Response {
        let inputs = fields.map { #"<input type="hidden" name="\#(escape($0.0))" value="\#(escape($0.1))">"# }.joined()
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title></head>\
            <body onload="document.forms[0].submit()"><form method="post" action="\(escape(action))">\
            \(inputs)\
            <noscript><button type="submit">Continue</button></noscript></form></body></html>
            """
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// A form body's fields (`+` is a space); later duplicates are ignored.
    static func fields(_ request: Request) async throws -> [String: String] {
        let body = try await request.body.collect(upTo: 64 * 1024)
        return (try? URLEncodedFormDecoder().decode([String: String].self, from: String(buffer: body))) ?? [:]
    }
}
