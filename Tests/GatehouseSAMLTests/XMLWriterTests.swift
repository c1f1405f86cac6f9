import Foundation
import GatehouseSAML
import GatehouseXML
import Testing

/// The one writer of outgoing XML: escaping, order, and the messages byte for byte as they were
/// written by hand before it.
@Suite struct XMLWriterTests {
    static let now = Date(timeIntervalSince1970: 1_795_953_660)  // 2026-11-29T12:01:00Z

    @Test func attributesAndTextAreEscapedAndKeepTheirOrder() throws {
        var writer = XMLWriter()
        writer.element("a", [("z", #"1"&<>'"#), ("b", "2")]) { a in
            a.element("t", text: #"x<y>&"'"#)
            a.empty("e", [("v", "\"\u{301}")])
        }
        #expect(writer.xml == #"<a z="1&quot;&amp;&lt;&gt;&apos;" b="2"><t>x&lt;y&gt;&amp;"'</t><e v="&quot;"# + "\u{301}" + #""/></a>"#)
        let root = try #require(try HardenedXMLDocument(parsing: Array(writer.xml.utf8)).root)
        #expect(root.attribute("z") == #"1"&<>'"#)
        #expect(root.childElements.first?.text == #"x<y>&"'"#)
    }

    @Test func aCombiningMarkDoesNotHideAQuote() {
        // "\"\u{301}" is one Character; escaping by Character would miss the quote.
        #expect(XMLWriter.escapedAttribute("\"\u{301}") == "&quot;\u{301}")
        #expect(XMLWriter.escapedText("&\u{301}") == "&amp;\u{301}")
    }

    @Test func theAuthnRequestIsByteForByteWhatItWas() {
        let request = AuthnRequest(
            destination: "https://idp/sso?a=1&b=2", acsURL: "https://sp/acs", spEntityID: "https://sp/md", now: Self.now, id: "_1")
        #expect(
            request.xml
                == #"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion""#
                + #" ID="_1" Version="2.0" IssueInstant="2026-11-29T12:01:00.000Z""#
                + #" Destination="https://idp/sso?a=1&amp;b=2" AssertionConsumerServiceURL="https://sp/acs""#
                + #" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>https://sp/md</saml:Issuer>"#
                + #"<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified" AllowCreate="false"/></samlp:AuthnRequest>"#)
    }

    @Test func theLogoutMessagesAreByteForByteWhatTheyWere() {
        let request = LogoutRequest(
            destination: "https://idp/slo", spEntityID: "https://sp/md", nameID: "a<b", sessionIndex: "s1", now: Self.now, id: "_2")
        #expect(
            request.xml
                == #"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion""#
                + #" ID="_2" Version="2.0" IssueInstant="2026-11-29T12:01:00.000Z" Destination="https://idp/slo">"#
                + "<saml:Issuer>https://sp/md</saml:Issuer>"
                + #"<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">a&lt;b</saml:NameID>"#
                + "<samlp:SessionIndex>s1</samlp:SessionIndex></samlp:LogoutRequest>")
        let response = LogoutResponse(inResponseTo: "id-1", destination: "https://idp/slo", spEntityID: "https://sp/md", now: Self.now, id: "_3")
        #expect(
            response.xml
                == #"<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion""#
                + #" ID="_3" Version="2.0" IssueInstant="2026-11-29T12:01:00.000Z" Destination="https://idp/slo""#
                + #" InResponseTo="id-1"><saml:Issuer>https://sp/md</saml:Issuer>"#
                + #"<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>"#)
    }

    @Test func theSPMetadataIsByteForByteWhatItWas() {
        let metadata = ServiceProviderMetadata(
            entityID: "https://sp/md", acsURL: "https://sp/acs", singleLogoutURL: "https://sp/slo",
            certificatesPEM: ["-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n"])
        let key = { (use: String) in
            #"<md:KeyDescriptor use="\#(use)"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>QUJD</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#
        }
        #expect(
            metadata.xml
                == #"<?xml version="1.0" encoding="UTF-8"?>"#
                + #"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp/md">"#
                + #"<md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">"#
                + key("signing") + key("encryption")
                + #"<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://sp/slo"/>"#
                + #"<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp/slo"/>"#
                + "<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>"
                + "<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>"
                + #"<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp/acs" index="0" isDefault="true"/>"#
                + "</md:SPSSODescriptor></md:EntityDescriptor>")
    }
}
