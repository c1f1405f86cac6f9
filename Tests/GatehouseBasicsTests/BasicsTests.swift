import Foundation
import GatehouseBasics
import Testing

@Suite struct Base64URLTests {
    @Test func encodesWithoutPaddingInTheURLAlphabet() {
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(Base64URL.decode("-_8") == [0xfb, 0xff])
    }

    @Test(arguments: ["-_8=", "+/8", "a b", "é"]) func refusesOtherAlphabets(_ text: String) {
        #expect(Base64URL.decode(Substring(text)) == nil)
    }
}

@Suite struct DurationConversionTests {
    @Test func converts() {
        #expect(Duration.milliseconds(1500).timeInterval == 1.5)
        #expect(Duration.milliseconds(1500).nanoseconds == 1_500_000_000)
        #expect(Duration.seconds(Int64.max).nanoseconds == .max)
    }
}

@Suite struct CodedErrorTests {
    struct Sample: CodedError {
        enum Code: String, ErrorCode { case one = "sample.one", two = "sample.two" }
        let code: Code
        let context: String
    }

    @Test func comparesByCodeAndPrintsTheName() {
        #expect(Sample(code: .one, context: "a") == Sample(code: .one, context: "b"))
        #expect(Sample(code: .one, context: "") != Sample(code: .two, context: ""))
        #expect(Sample(code: .one, context: "why").description == "sample.one: why")
        #expect(Sample(code: .two, context: "").description == "sample.two")
    }
}
