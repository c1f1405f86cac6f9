import GatehouseBasics
import Testing

@Suite struct ByteSearchTests {
    static func offset(_ text: String, _ needle: String, from start: Int = 0, folded: Bool = false) -> Int? {
        var text = text
        return text.withUTF8 { $0.firstOffset(of: Array(needle.utf8), from: start, fold: folded ? \.asciiLowercased : { $0 }) }
    }

    @Test func findsTheFirstOccurrenceFromTheStart() {
        #expect(Self.offset("abcabc", "bc") == 1)
        #expect(Self.offset("abcabc", "bc", from: 2) == 4)
        #expect(Self.offset("abcabc", "bc", from: 5) == nil)
        #expect(Self.offset("abc", "abc") == 0)
        #expect(Self.offset("ab", "abc") == nil)
        #expect(Self.offset("", "a") == nil)
        #expect(Self.offset("abc", "") == nil)
        #expect(Self.offset("aaab", "aab") == 1)
    }

    @Test func foldsOnlyTheTextAndOnlyASCII() {
        #expect(Self.offset("Text/HTML, APPLICATION/JSON", "application/json", folded: true) == 11)
        #expect(Self.offset("APPLICATION/JSON", "application/json") == nil)
        #expect(Self.offset("Ä", "ä", folded: true) == nil)
        #expect(UInt8(ascii: "Z").asciiLowercased == UInt8(ascii: "z") && UInt8(ascii: "[").asciiLowercased == UInt8(ascii: "["))
        #expect(UInt8(0xC4).asciiLowercased == 0xC4)
    }
}
