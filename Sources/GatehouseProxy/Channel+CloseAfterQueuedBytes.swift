import NIOCore

extension Channel {
    /// Closes once the bytes still queued for the socket have left: a half-close waits for them
    /// (a full close would drop them, the tail of a response or a WebSocket's last frames), then
    /// the connection closes. Whoever calls it bounds a peer that never takes them.
    func closeAfterQueuedBytes() {
        close(mode: .output).whenComplete { _ in self.close(promise: nil) }
    }
}
