import CZlib

/// Raw DEFLATE (RFC 1951, no zlib header) as the HTTP-Redirect binding uses it, through zlib.
/// Inflating is capped: a message that would grow past `maximumBytes` is refused (deflate bombs).
public enum RawDeflate {
    public struct Failure: Error, Equatable {
        public enum Reason: Sendable { case corrupt, tooLarge }
        public let reason: Reason

        public init(reason: Reason) { self.reason = reason }
    }

    public static func deflate(_ input: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        // windowBits -15: raw deflate, no header or checksum.
        guard
            deflateInit2_(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
                == Z_OK
        else { return [] }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 16)
        let status = run(&stream, input: input, output: &output) { CZlib.deflate(&$0, Z_FINISH) }
        guard status == Z_STREAM_END else { return [] }
        return Array(output.prefix(Int(stream.total_out)))
    }

    public static func inflate(_ input: [UInt8], maximumBytes: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(reason: .corrupt)
        }
        defer { inflateEnd(&stream) }
        // One byte more than allowed: filling it means the message is too large.
        var output = [UInt8](repeating: 0, count: maximumBytes + 1)
        let status = run(&stream, input: input, output: &output) { CZlib.inflate(&$0, Z_FINISH) }
        if Int(stream.total_out) > maximumBytes { throw Failure(reason: .tooLarge) }
        guard status == Z_STREAM_END else { throw Failure(reason: status == Z_BUF_ERROR && stream.avail_out == 0 ? .tooLarge : .corrupt) }
        return Array(output.prefix(Int(stream.total_out)))
    }

    /// Points the stream at the whole input and output, then runs one zlib step over them.
    private static func run(_ stream: inout z_stream, input: [UInt8], output: inout [UInt8], _ step: (inout z_stream) -> Int32) -> Int32 {
        var input = input
        return input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                return step(&stream)
            }
        }
    }
}
