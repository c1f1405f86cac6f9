import NIOHTTP1

/// Tells a front handler typed for HTTP parts when the connection stops speaking HTTP: after a
/// `101` answering a request that asked to upgrade, `ProxyFrontHandler.upgrade` removes the HTTP
/// handlers and glues raw bytes through. A limit handler still in the pipeline then would be
/// handed bytes it cannot read, so it leaves once that response's end has gone by.
struct FrontUpgradeWatch {
    private var requestAskedToUpgrade = false
    private var switching = false

    /// Notes a request head (only the latest matters: the parser stops after an upgrade request).
    mutating func requestHead(_ head: HTTPRequestHead) {
        requestAskedToUpgrade = head.headers.contains(name: "upgrade")
    }

    /// Notes a response part; true at the end of a `101` that switches protocols.
    mutating func responsePartEndsHTTP(_ part: HTTPServerResponsePart) -> Bool {
        switch part {
        case .head(let head):
            switching = head.status == .switchingProtocols && requestAskedToUpgrade
            return false
        case .body:
            return false
        case .end:
            return switching
        }
    }
}
