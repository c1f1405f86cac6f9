/// The values an assertion contributes to who someone is (NameID, the id, email and role
/// attributes, SessionIndex) become headers upstream, JWT claims and stored columns. None may hold
/// a control character: C0 (U+0000–U+001F, tab included), DEL (U+007F) or C1 (U+0080–U+009F).
///
/// CR and LF would split a header (or a pooled upstream request); tab is refused too, since no
/// email, id, NameID or role has one and an upstream that trims it would read
/// `alice@acme.com<TAB>` as someone else's `alice@acme.com`. XML 1.0 cannot carry NUL or most C0
/// at all (the parser refuses `&#0;`), but CR, LF and tab arrive as `&#13;`, `&#10;`, `&#9;`, and
/// DEL and C1 as themselves.
enum IdentityValueCheck {
    static func check(_ values: KeyValuePairs<String, String?>) throws(SAMLValidationError) {
        for (field, value) in values {
            guard let value, let index = value.unicodeScalars.firstIndex(where: isControl) else { continue }
            let scalar = value.unicodeScalars[index].value
            throw SAMLValidationError(
                .controlCharacter, context: "\(field) holds U+\(String(scalar, radix: 16, uppercase: true).leftPadded(to: 4))")
        }
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value <= 0x9F)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
