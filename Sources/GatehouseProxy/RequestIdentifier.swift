/// Request ids: an inbound `X-Request-Id` is kept when it is short and plain, otherwise one is made.
///
/// Made ids need to be unique, not secret: a random per-process prefix and a counter per event
/// loop, so the hot path makes no system call for randomness.
struct RequestIdentifierGenerator {
    private let prefix: String
    private var counter: UInt64 = 0

    init() {
        prefix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    mutating func next() -> String {
        counter &+= 1
        return "\(prefix)-\(String(counter, radix: 36))"
    }

    /// Whether an inbound id may be kept: 1 to 128 characters of letters, digits and `-_.:`.
    static func isAcceptable(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                    || byte == 0x2d || byte == 0x5f || byte == 0x2e || byte == 0x3a
            }
    }
}
