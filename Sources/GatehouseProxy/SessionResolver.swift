import NIOCore
import NIOHTTP1

/// Who a signed-in request belongs to, as the upstream is told.
public struct ProxyIdentity: Sendable, Equatable {
    public let userID: String
    public let email: String
    public let role: String
    public let tenantID: String
    /// The signed identity JWT for the upstream, when one was made.
    public let token: String?

    /// Whether every value can be sent as a header value: no control character but tab (a stored
    /// value stored before such values were refused, or written by hand). Decided once per identity.
    public let isHeaderSafe: Bool

    public init(userID: String, email: String, role: String, tenantID: String, token: String? = nil) {
        self.userID = userID
        self.email = email
        self.role = role
        self.tenantID = tenantID
        self.token = token
        isHeaderSafe = [userID, email, role, tenantID, token ?? ""].allSatisfy { value in
            value.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7f || $0 == 0x09 }
        }
    }
}

/// Turns a session cookie into an identity, or nil (unknown, forged, expired, revoked, user
/// deactivated). Implemented by the server over the store; answers on `eventLoop`.
public protocol SessionResolver: Sendable {
    /// The identity when memory already knows this cookie (the hot path: no future, no task).
    func cachedIdentity(forCookie value: Substring) -> ProxyIdentity?
    /// The full answer, asking the store when needed; completes on `eventLoop`.
    func identity(forCookie value: Substring, on eventLoop: EventLoop) -> EventLoopFuture<ProxyIdentity?>
}

/// The value of one cookie in a request's Cookie headers, found by scanning bytes (Character-wise
/// Substring walking cost several percent of a signed-in request).
enum CookieValue {
    /// - Parameter name: the cookie's name as UTF-8 (computed once per policy).
    static func find(_ name: [UInt8], in headers: HTTPHeaders) -> Substring? {
        for (field, header) in headers where field.utf8.count == 6 && field.equalsIgnoringASCIICase("cookie") {
            let bytes = header.utf8
            var start = bytes.startIndex
            while start < bytes.endIndex {
                while start < bytes.endIndex && bytes[start] == UInt8(ascii: " ") { start = bytes.index(after: start) }
                let end = bytes[start...].firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
                let pair = bytes[start..<end]
                if pair.starts(with: name) {
                    let equals = bytes.index(start, offsetBy: name.count)
                    if equals < end && bytes[equals] == UInt8(ascii: "=") { return header[bytes.index(after: equals)..<end] }
                }
                start = end < bytes.endIndex ? bytes.index(after: end) : end
            }
        }
        return nil
    }
}
