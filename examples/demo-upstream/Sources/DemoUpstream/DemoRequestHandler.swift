import NIOCore
import NIOHTTP1

/// Answers one request at a time; bodies are counted, never kept.
final class DemoRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let arrivals: AsyncStream<String>.Continuation
    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    private var downloadRemaining = 0
    private var downloading = false

    init(arrivals: AsyncStream<String>.Continuation) {
        self.arrivals = arrivals
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            bodyBytes = 0
            arrivals.yield(head.uri)
        case .body(let body):
            bodyBytes += body.readableBytes
        case .end:
            guard let head else { return }
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
        let query = Self.query(head.uri)
        switch path {
        case "/bench":
            send(context: context, head: head, status: .ok, type: "text/plain", body: "ok\n")
        case "/download":
            let total = Int(query["bytes"] ?? "") ?? 0
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/octet-stream")
            headers.add(name: "Content-Length", value: String(total))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
            downloadRemaining = total
            downloading = true
            pumpDownload(context: context)
        case "/slow":
            let milliseconds = Int64(query["ms"] ?? "") ?? 1_000
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(milliseconds)) {
                let (handler, context) = loopBound.value
                handler.send(context: context, head: head, status: .ok, type: "text/plain", body: "slow done\n")
            }
        case "/hop-response":
            var headers = HTTPHeaders()
            headers.add(name: "Connection", value: "X-Hop-Response")
            headers.add(name: "X-Hop-Response", value: "must-not-arrive")
            headers.add(name: "Keep-Alive", value: "timeout=5")
            headers.add(name: "Proxy-Connection", value: "keep-alive")
            headers.add(name: "X-End-To-End", value: "kept")
            send(context: context, head: head, status: .ok, type: "text/plain", body: "hop\n", extra: headers)
        case "/chunked":
            // No Content-Length: the body is chunked (HEAD answers advertise the same framing).
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/plain")
            headers.add(name: "Transfer-Encoding", value: "chunked")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
            if head.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: "chunked body\n")))), promise: nil)
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case "/set-cookies":
            // An app (or a reflected header) trying to set Gatehouse's cookies next to its own.
            var headers = HTTPHeaders()
            for cookie in [
                "gatehouse_session=planted; Path=/", "__Host-gatehouse_session=planted; Path=/; Secure", "Gatehouse_Pending=x",
                "__Secure-gatehouse_csrf=x; Secure", "=gatehouse_session=planted; Path=/", " gatehouse_pending", "app_theme=dark; Path=/",
            ] {
                headers.add(name: "Set-Cookie", value: cookie)
            }
            send(context: context, head: head, status: .ok, type: "text/plain", body: "cookies\n", extra: headers)
        default:
            let wantsHTML = head.headers[canonicalForm: "accept"].contains { $0.contains("text/html") }
            if wantsHTML {
                send(context: context, head: head, status: .ok, type: "text/html; charset=utf-8", body: Self.html(head))
            } else {
                send(context: context, head: head, status: .ok, type: "application/json", body: Self.json(head, bodyBytes: bodyBytes))
            }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if downloading && context.channel.isWritable { pumpDownload(context: context) }
        context.fireChannelWritabilityChanged()
    }

    private func pumpDownload(context: ChannelHandlerContext) {
        let chunk = 64 * 1024
        while downloadRemaining > 0 && context.channel.isWritable {
            let size = min(chunk, downloadRemaining)
            var buffer = context.channel.allocator.buffer(capacity: size)
            buffer.writeRepeatingByte(UInt8(ascii: "x"), count: size)
            downloadRemaining -= size
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        if downloadRemaining == 0 && downloading {
            downloading = false
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    private func send(
        context: ChannelHandlerContext, head: HTTPRequestHead, status: HTTPResponseStatus, type: String, body: String,
        extra: HTTPHeaders = HTTPHeaders()
    ) {
        var headers = extra
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        let keepAlive = head.isKeepAlive
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { loopBound.value.close(promise: nil) }
        }
    }

    static func query(_ uri: String) -> [String: String] {
        guard let start = uri.firstIndex(of: "?") else { return [:] }
        var result: [String: String] = [:]
        for pair in uri[uri.index(after: start)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            result[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }

    static func json(_ head: HTTPRequestHead, bodyBytes: Int) -> String {
        let headers = head.headers.map { "[\(quote($0.name)),\(quote($0.value))]" }.joined(separator: ",")
        return #"{"method":\#(quote(head.method.rawValue)),"uri":\#(quote(head.uri)),"body_bytes":\#(bodyBytes),"headers":[\#(headers)]}"#
    }

    static func html(_ head: HTTPRequestHead) -> String {
        let rows = head.headers.map { "<tr><th>\(escape($0.name))</th><td>\(escape($0.value))</td></tr>" }.joined()
        return """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo upstream</title>
            <style>body{font-family:system-ui,sans-serif;margin:2rem}th{text-align:left;padding-right:1rem}td,th{border-bottom:1px solid #ddd;padding:.2rem}</style>
            </head><body><h1>Demo upstream</h1><p>This app sits behind Gatehouse. Here is the request it received:</p>
            <p><code>\(escape(head.method.rawValue)) \(escape(head.uri))</code></p><table>\(rows)</table></body></html>
            """
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func escape(_ text: String) -> String {
        text.replacingAll("&", "&amp;").replacingAll("<", "&lt;").replacingAll(">", "&gt;").replacingAll("\"", "&quot;")
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, _ replacement: String) -> String {
        var out = ""
        for character in self { if character == target { out += replacement } else { out.append(character) } }
        return out
    }
}
