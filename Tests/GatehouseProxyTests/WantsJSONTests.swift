import Foundation
import NIOHTTP1
import Testing

@testable import GatehouseProxy

/// Whether a request gets JSON errors: asked for every request, so done on bytes; the answer is
/// the one the earlier `lowercased().contains("application/json")` gave for each spelling.
@Suite struct WantsJSONTests {
    static let accepts = [
        "application/json", "APPLICATION/JSON", "Application/Json; charset=utf-8", "text/html, application/json;q=0.9",
        "application/scim+json", "application/jsonx", "application/js", "", "*/*", "text/html",
        "ａpplication/json", "appl\u{0130}cation/json", "xapplication/json",
        "application/JSON" + String(repeating: " ", count: 5_000), String(repeating: "a", count: 10_000),
    ]

    @Test(arguments: accepts)
    func anAcceptHeaderAsTheEarlierCheckReadIt(_ accept: String) {
        let headers = HTTPHeaders([("Accept", accept)])
        #expect(LocalResponse.wantsJSON(headers) == accept.lowercased().contains("application/json"))
    }

    @Test func xRequestedWithOrAnyAcceptLineAsksForJSON() {
        #expect(LocalResponse.wantsJSON(HTTPHeaders([("X-Requested-With", "XMLHttpRequest")])))
        #expect(LocalResponse.wantsJSON(HTTPHeaders([("Accept", "text/html"), ("Accept", "application/json")])))
        #expect(!LocalResponse.wantsJSON(HTTPHeaders()))
    }

    /// Media types are ASCII tokens: a combining mark after one does not hide it, where the
    /// grapheme-aware `String.contains` said it did (either answer only picks an error page's form).
    @Test func aCombiningMarkAfterTheMediaTypeIsNotPartOfIt() {
        #expect(LocalResponse.wantsJSON(HTTPHeaders([("Accept", "application/json\u{0301}")])))
    }
}
