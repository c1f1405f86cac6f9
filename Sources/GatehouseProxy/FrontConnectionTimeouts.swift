import NIOCore

/// What one front connection is waiting for, and until when: a pure state machine; the caller
/// passes `now` and arms a timer for `deadline` (`FrontConnectionTimeoutHandler`).
///
/// - A new connection has `headerReadTimeout` from accept to send a whole request head.
/// - While a request is in flight (its head came, and its body or its response is not over)
///   nothing here runs out: a long upload, a long download and a slow upstream are not idleness
///   (the upstream read timeout watches the upstream).
/// - A keep-alive connection with nothing in flight has `idleTimeout`; the first bytes of its next
///   request start a fresh `headerReadTimeout` for that head.
/// - A response that ended while the client is still sending a body nobody reads (an early 401
///   or 413) leaves `idleTimeout` of silence for the rest of it.
struct FrontConnectionTimeouts {
    enum Wait: Equatable {
        /// For a whole request head; `bytesSeen`: some of it came (a 408 is then owed).
        case requestHead(bytesSeen: Bool)
        /// For the next request on a keep-alive connection.
        case idle
        /// For the rest of a body that will be discarded; silence is what runs out.
        case discardedBody
        /// A request is in flight: nothing runs out.
        case inFlight
    }

    /// Why the connection is to be closed.
    enum Expiry: Equatable {
        case headerRead(bytesSeen: Bool)
        case idle
    }

    let headerReadTimeout: TimeAmount
    let idleTimeout: TimeAmount
    private(set) var wait: Wait
    /// When the current wait runs out; nil while a request is in flight.
    private(set) var deadline: NIODeadline?
    /// Request heads whose request end has not come yet.
    private var requestsOpen = 0
    /// Request heads whose response has not ended yet (pipelined requests count each).
    private var responsesOwed = 0

    init(headerReadTimeout: TimeAmount, idleTimeout: TimeAmount, openedAt now: NIODeadline) {
        self.headerReadTimeout = headerReadTimeout
        self.idleTimeout = idleTimeout
        wait = .requestHead(bytesSeen: false)
        deadline = now + headerReadTimeout
    }

    mutating func requestHeadReceived() {
        requestsOpen += 1
        responsesOwed += 1
        wait = .inFlight
        deadline = nil
    }

    mutating func requestEnded(now: NIODeadline) {
        requestsOpen = max(0, requestsOpen - 1)
        settle(now: now)
    }

    mutating func responseEnded(now: NIODeadline) {
        responsesOwed = max(0, responsesOwed - 1)
        settle(now: now)
    }

    /// Whether `bytesArrived` would change anything (lets the caller skip reading the clock).
    var watchesBytes: Bool {
        switch wait {
        case .idle, .discardedBody, .requestHead(bytesSeen: false): return true
        case .requestHead(bytesSeen: true), .inFlight: return false
        }
    }

    /// Bytes came from the client that completed no request head. Returns true when the
    /// deadline moved earlier (the caller re-arms its timer); a later deadline needs no new timer.
    mutating func bytesArrived(now: NIODeadline) -> Bool {
        switch wait {
        case .idle:
            wait = .requestHead(bytesSeen: true)
            deadline = now + headerReadTimeout
            return true
        case .requestHead(bytesSeen: false):
            wait = .requestHead(bytesSeen: true)
            return false
        case .discardedBody:
            deadline = now + idleTimeout
            return false
        case .requestHead(bytesSeen: true), .inFlight:
            return false
        }
    }

    /// Whether the wait has run out at `now`.
    func expired(now: NIODeadline) -> Expiry? {
        guard let deadline, now >= deadline else { return nil }
        switch wait {
        case .requestHead(let bytesSeen): return .headerRead(bytesSeen: bytesSeen)
        case .idle, .discardedBody: return .idle
        case .inFlight: return nil
        }
    }

    private mutating func settle(now: NIODeadline) {
        if responsesOwed > 0 {
            return
        }
        if requestsOpen > 0 {
            if wait != .discardedBody {
                wait = .discardedBody
                deadline = now + idleTimeout
            }
            return
        }
        if wait != .idle {
            wait = .idle
            deadline = now + idleTimeout
        }
    }
}
