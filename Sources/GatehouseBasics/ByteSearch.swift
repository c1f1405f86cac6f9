extension UnsafeBufferPointer<UInt8> {
    /// The offset of the first `needle` at or after `start`, each byte of the text passed through
    /// `fold` before it is compared (ASCII case folding, say): a plain byte search for ASCII
    /// needles on the request path, where Foundation's `range(of:)` bridges through NSString.
    public func firstOffset(of needle: [UInt8], from start: Int = 0, fold: (UInt8) -> UInt8 = { $0 }) -> Int? {
        guard !needle.isEmpty, count >= needle.count, start <= count - needle.count else { return nil }
        return (start...(count - needle.count)).first { offset in
            needle.indices.allSatisfy { fold(self[offset + $0]) == needle[$0] }
        }
    }
}

extension UInt8 {
    /// ASCII upper case to lower; every other byte as it is.
    public var asciiLowercased: UInt8 { (0x41...0x5A).contains(self) ? self | 0x20 : self }
}
