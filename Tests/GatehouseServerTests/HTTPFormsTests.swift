import Testing

@testable import GatehouseServer

/// Query strings and form bodies: `+` is a space before the escapes are decoded, so `%2B` stays
/// a plus; a malformed escape or bytes that are not UTF-8 drop that field, not the others.
@Suite struct HTTPFormsTests {
    @Test func plusIsASpaceAndAnEscapedPlusStaysAPlus() {
        #expect(HTTPForms.decode("filter=userName+eq+%22a%2Bb%40acme.com%22") == ["filter": #"userName eq "a+b@acme.com""#])
        #expect(HTTPForms.decode("a=+%20+") == ["a": "   "])
        #expect(HTTPForms.decode("a%2Bb=c+d") == ["a+b": "c d"])
    }

    @Test func aBadFieldIsDroppedAndTheOthersStay() {
        #expect(HTTPForms.decode("bad=%ZZ&x=1&worse=%FF&y=%E2%9C%93") == ["x": "1", "y": "✓"])
        #expect(HTTPForms.decode("x=1&x=2&=3&flag") == ["x": "1", "": "3", "flag": ""])
    }
}
