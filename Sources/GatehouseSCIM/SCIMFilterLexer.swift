/// The tokens of a SCIM filter. Words are attribute paths, operators, keywords and literals;
/// which one is decided by the parser from where the word stands.
enum SCIMFilterToken: Equatable {
    case open, close, openBracket, closeBracket
    case word(String)
    case string(String)
}

/// Splits a filter into tokens with their byte offsets; strings are JSON strings (RFC 8259).
enum SCIMFilterLexer {
    static func tokens(_ text: String) throws(SCIMFilterError) -> [(token: SCIMFilterToken, offset: Int)] {
        let bytes = Array(text.utf8)
        var tokens: [(SCIMFilterToken, Int)] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "("): tokens.append((.open, index)); index += 1
            case UInt8(ascii: ")"): tokens.append((.close, index)); index += 1
            case UInt8(ascii: "["): tokens.append((.openBracket, index)); index += 1
            case UInt8(ascii: "]"): tokens.append((.closeBracket, index)); index += 1
            case UInt8(ascii: "\""):
                let start = index
                let (value, end) = try string(bytes, from: index)
                tokens.append((.string(value), start))
                index = end
            default:
                let start = index
                while index < bytes.count, !isDelimiter(bytes[index]) { index += 1 }
                tokens.append((.word(String(decoding: bytes[start..<index], as: UTF8.self)), start))
            }
        }
        return tokens
    }

    private static func isDelimiter(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
            || byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
            || byte == UInt8(ascii: "\"")
    }

    /// A JSON string starting at `start` (the opening quote); returns its value and the index after it.
    private static func string(_ bytes: [UInt8], from start: Int) throws(SCIMFilterError) -> (String, Int) {
        var index = start + 1
        var value: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { return (String(decoding: value, as: UTF8.self), index + 1) }
            if byte < 0x20 { throw SCIMFilterError(offset: index, message: "control character in a string") }
            if byte != UInt8(ascii: "\\") {
                value.append(byte)
                index += 1
                continue
            }
            guard index + 1 < bytes.count else { break }
            let escaped = bytes[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): value.append(escaped)
            case UInt8(ascii: "b"): value.append(0x08)
            case UInt8(ascii: "f"): value.append(0x0c)
            case UInt8(ascii: "n"): value.append(0x0a)
            case UInt8(ascii: "r"): value.append(0x0d)
            case UInt8(ascii: "t"): value.append(0x09)
            case UInt8(ascii: "u"):
                guard index + 4 <= bytes.count, let unit = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
                    throw SCIMFilterError(offset: index, message: "bad \\u escape")
                }
                index += 4
                var scalarValue = unit
                if (0xD800...0xDBFF).contains(unit) {
                    // A surrogate pair: the low half must follow as another \u escape.
                    guard index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u"),
                        let low = UInt32(String(decoding: bytes[index + 2..<index + 6], as: UTF8.self), radix: 16), (0xDC00...0xDFFF).contains(low)
                    else { throw SCIMFilterError(offset: index, message: "unpaired surrogate") }
                    index += 6
                    scalarValue = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(scalarValue) else { throw SCIMFilterError(offset: index, message: "bad \\u escape") }
                value.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw SCIMFilterError(offset: index - 1, message: "bad escape")
            }
        }
        throw SCIMFilterError(offset: start, message: "unterminated string")
    }
}
