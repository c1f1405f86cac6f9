import Foundation
import Testing

@testable import GatehouseSAML

@Suite struct SAMLTimeTests {
    @Test(arguments: [
        ("2026-11-29T12:00:00Z", 1_795_953_600.0), ("2026-11-29T12:00:00.000Z", 1_795_953_600.0),
        ("2026-11-29T12:00:00.5Z", 1_795_953_600.5), ("2026-11-29T20:00:00.125Z", 1_795_982_400.125),
        ("2024-02-29T00:00:00Z", 1_709_164_800.0),
    ])
    func utcTimesParse(text: String, seconds: Double) {
        #expect(SAMLTime.parse(text)?.timeIntervalSince1970 == seconds)
    }

    @Test(arguments: [
        "", "2026-11-29", "2026-11-29T12:00:00", "2026-11-29T12:00:00+01:00", "2026-13-01T00:00:00Z", "2026-11-29T12:00:00.Z", "x026-11-29T12:00:00Z",
    ])
    func anythingElseIsRefused(text: String) {
        #expect(SAMLTime.parse(text) == nil)
    }

    @Test(arguments: [("PT30M", Duration.seconds(1_800)), ("PT1H30M", .seconds(5_400)), ("P1D", .seconds(86_400)), ("PT0.5S", .milliseconds(500))])
    func cacheDurationsParse(text: String, expected: Duration) {
        #expect(XMLDuration.parse(text) == expected)
    }

    @Test(arguments: ["P1Y", "P1M", "PT", "30M", "PTXM"])
    func ambiguousDurationsAreRefused(text: String) {
        #expect(XMLDuration.parse(text) == nil)
    }
}
