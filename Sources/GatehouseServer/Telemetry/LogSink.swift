import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where JSON log lines go: standard output, buffered so the access log costs no system call per
/// request. Buffered lines are written when 32 KiB accumulate, on `flush()` (the flusher service
/// calls it several times a second) and at exit; other log lines are written at once.
public final class LogSink: Sendable {
    public static let standardOutput = LogSink(fileDescriptor: STDOUT_FILENO)

    private let fileDescriptor: Int32
    private let buffer = NIOLockedValueBox<[UInt8]>([])
    private static let threshold = 32 * 1024

    public init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    /// Appends a line; writes when the buffer is full.
    public func buffered(_ line: String) {
        buffered(bytes: Array(line.utf8))
    }

    /// Appends a line given as UTF-8 bytes; writes when the buffer is full.
    public func buffered(bytes line: [UInt8]) {
        let full: [UInt8]? = buffer.withLockedValue { bytes in
            bytes.append(contentsOf: line)
            bytes.append(0x0a)
            guard bytes.count >= Self.threshold else { return nil }
            defer { bytes.removeAll(keepingCapacity: true) }
            return bytes
        }
        if let full { writeAll(full) }
    }

    /// Writes a line now, after anything buffered, keeping order.
    public func immediate(_ line: String) {
        var bytes = buffer.withLockedValue { bytes in
            defer { bytes.removeAll(keepingCapacity: true) }
            return bytes
        }
        bytes.append(contentsOf: line.utf8)
        bytes.append(0x0a)
        writeAll(bytes)
    }

    public func flush() {
        let pending = buffer.withLockedValue { bytes in
            defer { bytes.removeAll(keepingCapacity: true) }
            return bytes
        }
        if !pending.isEmpty { writeAll(pending) }
    }

    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
