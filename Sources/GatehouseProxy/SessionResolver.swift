import NIOCore

/// Who a signed-in request belongs to, as the upstream is told.
public struct ProxyIdentity: Sendable, Equatable {
    public let userID: String
    public let email: String
    public let role: String
    public let tenantID: String
    /// The signed identity JWT for the upstream, when one was made.
    public let token: String?

    public init(userID: String, email: String, role: String, tenantID: String, token: String? = nil) {
        self.userID = userID
        self.email = email
        self.role = role
        self.tenantID = tenantID
        self.token = token
    }
}

/// Turns a session cookie into an identity, or nil (unknown, forged, expired, revoked, user
/// deactivated). Implemented by the server over the store; answers on `eventLoop`.
public protocol SessionResolver: Sendable {
    func identity(forCookie value: Substring, on eventLoop: EventLoop) -> EventLoopFuture<ProxyIdentity?>
}

/// The value of one cookie in a request's Cookie headers, without allocating for the others.
enum CookieValue {
    static func find(_ name: String, in headers: [String]) -> Substring? {
        for header in headers {
            var rest = Substring(header)
            while !rest.isEmpty {
                let pair = rest.prefix { $0 != ";" }
                rest = rest.dropFirst(pair.count + 1)
                let trimmed = pair.drop { $0 == " " }
                if trimmed.hasPrefix(name), trimmed.dropFirst(name.count).first == "=" { return trimmed.dropFirst(name.count + 1) }
            }
        }
        return nil
    }
}
