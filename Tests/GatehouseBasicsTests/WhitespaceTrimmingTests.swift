import Foundation
import GatehouseBasics
import Testing

/// `trimmingWhitespaces()` stands in for Foundation's `trimmingCharacters(in: .whitespaces)` on
/// the SCIM path (bearer tokens, list parameters, userName, If-Match): the same answer for every
/// spelling a client or an IdP could send.
@Suite struct WhitespaceTrimmingTests {
    static let samples: [String] = [
        "", " ", "\t", "  \t ", "token", " token ", "\ttoken\t", "to ken", " to\tken ",
        "\u{00A0}token\u{00A0}", "\u{3000}token\u{2003}", "\u{202F}\u{205F}x\u{1680}", "\u{2028}token\u{2029}",
        "\ntoken\n", "\r\ntoken\r\n", "\u{200B}token\u{200B}", "\u{FEFF}token", " é ", " e\u{301} ", " \u{301}x",
        "x\u{301} ", " 👩‍💻 ", "\u{0085}token", "\u{000B}token\u{000C}", " \u{0000} ", "a\u{00A0}\u{00A0}",
        String(repeating: " ", count: 10_000) + "long" + String(repeating: "\t", count: 10_000),
    ]

    @Test(arguments: samples)
    func answersAsFoundationDoes(_ text: String) {
        #expect(text.trimmingWhitespaces() == text.trimmingCharacters(in: .whitespaces))
        let substring = ("<" + text + ">").dropFirst().dropLast()
        #expect(substring.trimmingWhitespaces() == substring.trimmingCharacters(in: .whitespaces))
    }

    @Test func everyScalarOfTheBasicPlaneIsTrimmedExactlyWhenFoundationTrimsIt() {
        var differing: [UInt32] = []
        for value in UInt32(0)...0xFFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = String(Character(scalar)) + "x" + String(Character(scalar))
            if text.trimmingWhitespaces() != text.trimmingCharacters(in: .whitespaces) { differing.append(value) }
        }
        #expect(differing.isEmpty, "differs for \(differing.prefix(10).map { String($0, radix: 16) })")
    }
}
