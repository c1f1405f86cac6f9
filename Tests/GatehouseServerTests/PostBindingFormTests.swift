import Foundation
import GatehouseSAML
import Testing

@testable import GatehouseServer

/// The AuthnRequest's HTTP-POST page (the server's since the HTML left GatehouseSAML): every
/// value escaped, the message unsigned without a key.
@Suite struct PostBindingFormTests {
    static let request = AuthnRequest(
        destination: "https://acme.okta.com/app/acme_dash/exk123/sso/saml?x=1&y=\"2\"", acsURL: "https://dash.example.com/sso/saml/acme/acs",
        spEntityID: "https://dash.example.com/sso/saml/acme/metadata", now: Date(timeIntervalSince1970: 1_795_953_660)
    )

    static func formValue(_ name: String, in html: String) throws -> String {
        let marker = #"name="\#(name)" value=""#
        let start = try #require(html.range(of: marker)).upperBound
        return String(html[start...].prefix { $0 != "\"" })
    }

    @Test func theFormEscapesEveryValue() throws {
        let html = PostBindingForm.html(
            action: Self.request.destination, samlRequest: try Self.request.postBindingValue(), relayState: #""><script>alert(1)</script>"#)
        #expect(!html.contains("<script>alert"))
        #expect(html.contains(#"value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;""#))
        #expect(html.contains(#"action="https://acme.okta.com/app/acme_dash/exk123/sso/saml?x=1&amp;y=&quot;2&quot;""#))
        #expect(html.contains("<noscript>"))
        let xml = try #require(Data(base64Encoded: Self.formValue("SAMLRequest", in: html)))
        let text = String(decoding: xml, as: UTF8.self)
        #expect(text.contains(#"ID="\#(Self.request.id)""#))
        #expect(!text.contains("Signature"))
    }
}
