import Foundation
import Testing

@testable import GatehouseSCIM

/// The JSON reader and writer against the peers they replaced: Foundation's JSONSerialization
/// reads every valid text to the same value, JSONEncoder (sorted keys, unescaped slashes) writes
/// every value to the same bytes, and the texts RFC 8259 refuses are refused.
@Suite struct JSONReaderWriterTests {
    /// What JSONSerialization made of a text, in the enum (its booleans are NSNumbers of type "c").
    private static func foundation(_ text: [UInt8]) -> JSONValue? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text), options: [.fragmentsAllowed]) else { return nil }
        return convert(object)
    }

    private static func convert(_ value: Any) -> JSONValue {
        switch value {
        case let string as String: return .string(string)
        case let number as NSNumber: return String(cString: number.objCType) == "c" ? .bool(number.boolValue) : .number(number.doubleValue)
        case let array as [Any]: return .array(array.map(convert))
        case let object as [String: Any]: return .object(object.mapValues(convert))
        default: return .null
        }
    }

    private static func encoder(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(value), as: UTF8.self)
    }

    static let validTexts: [String] = [
        #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice@acme.com","active":true,"name":{"givenName":"Alice"}}"#,
        #"  [1, -0, 0.5, -12.25e3, 1E+2, 1e-7, 123456789012345678901234567890, 5e-324, 1.7976931348623157e308]  "#,
        #""\"\\\/\b\f\n\r\t\u0000\u001f\u00e9\u20AC\uD83D\uDE00 é😀""#,
        #"{"a":1,"a":2}"#, "\u{FEFF}{}", "true", "false", "null", "\"\"", "[]", "{}", "[[[]],{}]", " \t\r\n7\n",
        #"{"emails":[{"value":"a@b.c","primary":true,"type":"work"}],"roles":[{"value":"viewer","primary":"True"}]}"#,
        #"{"B":2,"Z":6,"_x":5,"a10":3,"a9":4,"aB":10,"aa":11,"ab":9,"b":1,"e":8,"é":7,"ä":0}"#,
    ]

    @Test(arguments: validTexts)
    func validTextsReadAsFoundationReadThem(text: String) throws {
        let bytes = Array(text.utf8)
        let ours = try #require(JSONValue.parse(bytes))
        #expect(ours == Self.foundation(bytes))
    }

    /// Refused by both, and (the first group) refused by us where JSONSerialization was lenient.
    static let invalidTexts: [[UInt8]] =
        ["[1,]", #"{"a":1,}"#].map { Array($0.utf8) }
        + [
            "", " ", "01", "1.", ".5", "-", "+1", "1e", "1e+", "0x10", "NaN", "Infinity", "1e400", "-1e400", "tru", "nul", "True", "[] x", "[1 2]",
            #"{"a" 1}"#, #"{a:1}"#, #"{"a":}"#, "[", "{", #"""#, #""abc"#, "\"\t\"", "\"\n\"", #""\x""#, #""\u12""#, #""\u12G4""#,
            #""\ud800""#, #""\udc00\ud800""#, #""\ud800\u0041""#, #""\ud800x""#, "'a'", "[1]]", "{}}", "\u{FEFF}",
        ].map { Array($0.utf8) }
        + [
            [0x22, 0xFF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],
        ]

    @Test(arguments: invalidTexts)
    func invalidTextsAreRefused(text: [UInt8]) {
        #expect(JSONValue.parse(text) == nil)
    }

    @Test func nestingIsBoundedAtFoundationsDepth() {
        let deepest = String(repeating: "[", count: JSONReader.maximumDepth) + String(repeating: "]", count: JSONReader.maximumDepth)
        #expect(JSONValue.parse(Array(deepest.utf8)) != nil)
        let deeper = "[" + deepest + "]"
        #expect(JSONValue.parse(Array(deeper.utf8)) == nil)
        let objects = String(repeating: #"{"a":"#, count: 100_000) + "1" + String(repeating: "}", count: 100_000)
        #expect(JSONValue.parse(Array(objects.utf8)) == nil)
    }

    @Test(arguments: validTexts)
    func theWriterWritesWhatJSONEncoderWrote(text: String) throws {
        let value = try #require(JSONValue.parse(Array(text.utf8)))
        #expect(value.jsonText == Self.encoder(value))
        #expect(JSONValue.parse(Array(value.jsonText.utf8)) == value)
    }

    @Test func randomValuesRoundTripAndMatchJSONEncoder() throws {
        var generator = SeededGenerator(seed: 0x5C1)
        for _ in 0..<2_000 {
            let value = Self.randomValue(depth: 0, &generator)
            let text = value.jsonText
            #expect(text == Self.encoder(value), "\(value)")
            #expect(JSONValue.parse(Array(text.utf8)) == value, "\(text)")
            #expect(Self.foundation(Array(text.utf8)) == value, "\(text)")
        }
    }

    private static let pieces: [String] = [
        "a", "B", "é", "e\u{301}", "😀", "\"", "\\", "/", "\u{0}", "\u{1}", "\u{8}", "\u{c}", "\n", "\r", "\t", "\u{1f}", "\u{7f}", "\u{2028}",
        "userName", "urn:ietf:params:scim:schemas:core:2.0:User", " ", "10", "9", "_",
    ]

    private static func randomString(_ generator: inout SeededGenerator) -> String {
        (0..<Int.random(in: 0...6, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }

    private static func randomValue(depth: Int, _ generator: inout SeededGenerator) -> JSONValue {
        switch Int.random(in: 0..<(depth > 3 ? 4 : 6), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2:
            let numbers: [Double] = [0, -1, 42, 9e15, 1.5, -0.25, 0.1, 1e-7, 1e300, 123456789.123, Double.leastNonzeroMagnitude, 2.5e15 + 0.5]
            return .number(numbers.randomElement(using: &generator)!)
        case 3: return .string(randomString(&generator))
        case 4: return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in randomValue(depth: depth + 1, &generator) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &generator) { members[randomString(&generator)] = randomValue(depth: depth + 1, &generator) }
            return .object(members)
        }
    }
}
