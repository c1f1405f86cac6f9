/// Percent-encoding (RFC 3986 §2.1), written once for query values, redirect URLs and paths.
public enum PercentEncoding {
    /// Every byte except the unreserved characters (and those in `keeping`) as `%XX`, upper-case.
    public static func encode(_ text: some StringProtocol, keeping: Set<UInt8> = []) -> String {
        var encoded = ""
        encoded.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || keeping.contains(byte) {
                encoded.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                encoded.unicodeScalars.append("%")
                encoded.unicodeScalars.append(UnicodeScalar(hexDigits[Int(byte >> 4)]))
                encoded.unicodeScalars.append(UnicodeScalar(hexDigits[Int(byte & 0x0f)]))
            }
        }
        return encoded
    }

    /// The outcome of decoding: the bytes, or why there are none.
    public enum Decoding: Equatable, Sendable {
        case decoded([UInt8])
        /// A `%` without two hex digits after it.
        case malformed
        /// An escape decoded to a byte the caller refuses (an encoded `/` in a path, say).
        case refused

        /// The decoded bytes, or nil.
        public var bytes: [UInt8]? {
            if case .decoded(let bytes) = self { return bytes }
            return nil
        }
    }

    /// Decodes every `%XX`; `+` stays `+` (form decoding turns it into a space first).
    /// `refusing` sees each byte an escape produced, never a byte that was sent as it is.
    @inlinable
    public static func decode(_ bytes: some Collection<UInt8>, refusing: (UInt8) -> Bool = { _ in false }) -> Decoding {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                output.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return .malformed }
            let value = high << 4 | low
            if refusing(value) { return .refused }
            output.append(value)
        }
        return .decoded(output)
    }

    /// Decodes to text; nil when an escape is malformed or the bytes are not UTF-8.
    public static func decodeText(_ text: some StringProtocol) -> String? { decodeText(utf8: text.utf8) }

    /// Decodes UTF-8 bytes to text; nil when an escape is malformed or the result is not UTF-8.
    public static func decodeText(utf8 bytes: some Collection<UInt8>) -> String? {
        decode(bytes).bytes.flatMap { String(validating: $0, as: UTF8.self) }
    }

    /// The value of one hex digit.
    @inlinable
    public static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x37
        case 0x61...0x66: return byte - 0x57
        default: return nil
        }
    }

    /// `A-Z a-z 0-9 - . _ ~`.
    @inlinable
    public static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5a, 0x61...0x7a, 0x2d, 0x2e, 0x5f, 0x7e: return true
        default: return false
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)
}
