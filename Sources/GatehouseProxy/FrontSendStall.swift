/// Whether a client is still taking the bytes queued for it: a pure record of progress between
/// two checks (`FrontConnectionTimeoutHandler` checks every `send_timeout` while sending).
///
/// Progress is a change of the channel's writability (it only turns when bytes left, or more
/// were queued after they did), a response end fully written, or fewer bytes held by NIO than
/// at the last check (while the client is stalled nothing new is queued: the proxy stops
/// reading the upstream when the channel is not writable, and an ended response adds nothing).
struct FrontSendStall {
    enum Verdict: Equatable {
        /// Nothing waits for the client any more.
        case done
        /// Bytes left since the last check: check again later.
        case progressed
        /// Bytes wait and none left since the last check.
        case stalled
    }

    /// Response ends queued whose bytes have not all been written.
    private(set) var endsQueued = 0
    private var progressed = false
    private var bufferedAtCheck: Int?

    mutating func endQueued() { endsQueued += 1 }

    mutating func endSent() {
        endsQueued = max(0, endsQueued - 1)
        progressed = true
    }

    mutating func writabilityChanged() { progressed = true }

    /// A watch begins.
    mutating func start(bufferedBytes: Int?) {
        progressed = false
        bufferedAtCheck = bufferedBytes
    }

    /// - Parameters:
    ///   - sending: the channel is not writable.
    ///   - bufferedBytes: what NIO holds for the socket; nil (the channel cannot say) is never a stall.
    mutating func check(sending: Bool, bufferedBytes: Int?) -> Verdict {
        guard sending || endsQueued > 0 else { return .done }
        defer {
            progressed = false
            bufferedAtCheck = bufferedBytes
        }
        guard let bufferedBytes, let before = bufferedAtCheck, !progressed, bufferedBytes > 0, bufferedBytes >= before else {
            return .progressed
        }
        return .stalled
    }
}
