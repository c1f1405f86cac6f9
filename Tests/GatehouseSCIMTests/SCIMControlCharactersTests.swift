import GatehouseSCIM
import Testing

/// Which characters a SCIM string may not hold, and where in a body they are found.
@Suite struct SCIMControlCharactersTests {
    /// Every scalar up to U+3000 (and the planes' edges): refused exactly when it is C0, DEL, C1,
    /// U+2028 or U+2029, and the byte-level fast path agrees with the definition.
    @Test func theRefusedSetIsExactlyC0DelC1AndTheLineSeparators() {
        let expected: (UInt32) -> Bool = { $0 < 0x20 || (0x7F...0x9F).contains($0) || $0 == 0x2028 || $0 == 0x2029 }
        for value in Array(0..<0x3000) + [0xFEFF, 0xFFFD, 0x1F600, 0x10FFFF] {
            guard let scalar = Unicode.Scalar(UInt32(value)) else { continue }
            #expect(SCIMControlCharacters.isRefused(scalar) == expected(UInt32(value)), "U+\(String(value, radix: 16))")
            let text = "ab\(Character(scalar))cd"
            #expect((SCIMControlCharacters.first(in: text) != nil) == expected(UInt32(value)), "U+\(String(value, radix: 16)) in a string")
        }
    }

    @Test func aBodyIsRefusedWhereverTheCharacterIsAndTheDetailNamesWhereNotWhat() throws {
        let cases: [(JSONValue, String)] = [
            (["userName": "a\r\nb"], "userName holds a control character (U+000D)"),
            (["emails": [["type": "work", "value": "x\u{0}y"]]], "emails[0].value holds a control character (U+0000)"),
            (["name": ["givenName": "tab\there"]], "name.givenName holds a control character (U+0009)"),
            (["urn:x": ["n\u{2028}ame": "v"]], "An attribute name in urn:x holds a control character (U+2028)"),
            (["a\u{85}": "v"], "An attribute name in the body holds a control character (U+0085)"),
            (.string("\u{7F}"), "The body holds a control character (U+007F)"),
            (
                ["Operations": [["op": "add", "value": ["displayName": "ok"]], ["op": "replace", "path": "x", "value": ["\u{9F}"]]]],
                "Operations[1].value[0] holds a control character (U+009F)"
            ),
        ]
        for (body, detail) in cases {
            do {
                try SCIMControlCharacters.check(body)
                Issue.record("accepted \(body.jsonText)")
            } catch let error as SCIMError {
                #expect(error.status == 400 && error.scimType == "invalidValue")
                #expect(error.detail.hasPrefix(detail), "\(error.detail)")
                #expect(!error.detail.contains("a\r\nb") && !error.detail.contains("x\u{0}y"))
            }
        }
        // A value cut from a very long string is still scanned to its end.
        #expect(throws: SCIMError.self) { try SCIMControlCharacters.check(["displayName": .string(String(repeating: "é", count: 300_000) + "\n")]) }
    }

    @Test func printableAndFormatCharactersAreKept() throws {
        for text in [
            "a%0d%0ab", #"a\r\nb"#, "Zoë 😀 👩‍👩‍👧 مرحبا", "\u{202E}abc\u{202C}", "\u{FEFF}\u{200B}\u{200D}", "a\u{A0}b", "\u{2027}\u{202A}",
            String(repeating: "x", count: 300_000), "",
        ] {
            try SCIMControlCharacters.check(["displayName": .string(text), text: "key"])
        }
    }

    @Test func filterStringsAreRefusedToo() throws {
        for text in [#"userName eq "a\r\nb""#, #"emails[type eq "work"].value eq "x\u0000""#, #"not (title pr or emails[value co "\u2028"])"#] {
            let filter = try SCIMFilterParser.parse(text)
            #expect(
                throws: SCIMError.invalidFilter(
                    "A string in the filter holds a control character (\(text.contains("2028") ? "U+2028" : text.contains("0000") ? "U+0000" : "U+000D")); SCIM strings may not contain control characters."
                )
            ) {
                try SCIMControlCharacters.check(filter)
            }
            #expect(throws: SCIMError.self) { try SCIMListQuery(query: ["filter": text]) }
        }
        try SCIMControlCharacters.check(try SCIMFilterParser.parse(#"userName eq "a%0d%0ab" and emails[type eq "work"].value eq "Zoë""#))
    }
}
