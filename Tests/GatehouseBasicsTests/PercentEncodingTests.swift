import GatehouseBasics
import Testing

@Suite struct PercentEncodingTests {
    @Test func encodesAllButUnreserved() {
        #expect(PercentEncoding.encode("a b/c?d=é~") == "a%20b%2Fc%3Fd%3D%C3%A9~")
        #expect(PercentEncoding.encode("/a b", keeping: [UInt8(ascii: "/")]) == "/a%20b")
        #expect(PercentEncoding.encode("\r\n\0") == "%0D%0A%00")
    }

    @Test func decodesEscapesAndKeepsPlus() {
        #expect(PercentEncoding.decodeText("a%20b+c%2b") == "a b+c+")
        #expect(PercentEncoding.decodeText("%C3%A9") == "é")
    }

    @Test(arguments: ["%", "%4", "%G0", "a%2"]) func refusesMalformedEscapes(_ text: String) {
        #expect(PercentEncoding.decode(text.utf8) == .malformed)
        #expect(PercentEncoding.decodeText(text) == nil)
    }

    @Test func refusesInvalidUTF8AsText() {
        #expect(PercentEncoding.decodeText("%FF") == nil)
        #expect(PercentEncoding.decode("%FF".utf8) == .decoded([0xff]))
    }

    @Test func refusingSeesOnlyEscapedBytes() {
        let slash = UInt8(ascii: "/")
        #expect(PercentEncoding.decode("/a/b".utf8, refusing: { $0 == slash }) == .decoded(Array("/a/b".utf8)))
        #expect(PercentEncoding.decode("/a%2Fb".utf8, refusing: { $0 == slash }) == .refused)
    }

    @Test func roundTrips() {
        for text in ["", "plain", "ä ö ü / ? # & = + %", "\u{1F600}", "\u{7f}\u{1}"] {
            #expect(PercentEncoding.decodeText(PercentEncoding.encode(text)) == text)
        }
    }
}
