import NIOCore

/// Ends a connection after a final refusal (413/414/431/503) so that the client can read it.
/// Closing a socket with unread request bytes makes the kernel send a reset, and a reset makes the
/// client drop the answer it has not read yet (the 431 for a 1 MiB cookie would never be seen).
/// So: send FIN after the response, keep reading and discarding, and close at the client's end
/// of stream or after `linger`, whichever comes first.
enum LingeringClose {
    static let linger: TimeAmount = .seconds(2)

    /// Call once the refusal is flushed. Inbound bytes keep flowing to the handlers, which must
    /// drop them.
    static func begin(_ channel: Channel, linger: TimeAmount = LingeringClose.linger) {
        let deadline = channel.eventLoop.scheduleTask(in: linger) { channel.close(promise: nil) }
        channel.closeFuture.whenComplete { _ in deadline.cancel() }
        channel.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
    }
}
