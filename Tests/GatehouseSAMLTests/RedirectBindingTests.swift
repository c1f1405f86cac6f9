import Crypto
import Foundation
import GatehouseSAML
import GatehouseXML
import Testing
import _CryptoExtras

@Suite struct RedirectBindingTests {
    static func query(_ url: String) -> [String: String] {
        let components = URLComponents(string: url)
        return Dictionary(uniqueKeysWithValues: (components?.queryItems ?? []).map { ($0.name, $0.value ?? "") })
    }

    static let request = AuthnRequest(
        destination: "https://acme.okta.com/app/acme_dash/exk123/sso/saml", acsURL: "https://dash.example.com/sso/saml/acme/acs",
        spEntityID: "https://dash.example.com/sso/saml/acme/metadata", now: SAMLResponseValidatorTests.now
    )

    @Test func theRedirectCarriesADeflatedRequestAndTheRelayState() throws {
        let url = try Self.request.redirectURL(relayState: "r-123")
        #expect(url.hasPrefix("https://acme.okta.com/app/acme_dash/exk123/sso/saml?SAMLRequest="))
        let query = Self.query(url)
        #expect(query["RelayState"] == "r-123")
        let deflated = try #require(Data(base64Encoded: query["SAMLRequest"] ?? ""))
        let xml = try RawDeflate.inflate(Array(deflated), maximumBytes: 64 * 1024)
        let root = try #require(try HardenedXMLDocument(parsing: xml).root)
        #expect(root.isNamed("AuthnRequest", namespace: "urn:oasis:names:tc:SAML:2.0:protocol"))
        #expect(root.attribute("ID") == Self.request.id)
        #expect(root.attribute("AssertionConsumerServiceURL") == "https://dash.example.com/sso/saml/acme/acs")
        #expect(root.attribute("Destination") == "https://acme.okta.com/app/acme_dash/exk123/sso/saml")
        #expect(root.childElements.first?.text == "https://dash.example.com/sso/saml/acme/metadata")
        #expect(query["Signature"] == nil)
    }

    @Test func aSignedRedirectVerifiesWithTheSPCertificatesKey() throws {
        let key = try _RSA.Signing.PrivateKey(pemRepresentation: XMLSignatureVerifierTests.fixture("sp.key"))
        let url = try Self.request.redirectURL(relayState: "r-1", signingKey: key)
        let query = Self.query(url)
        #expect(query["SigAlg"] == AuthnRequest.rsaSHA256)
        // The signed string is the raw query up to the Signature, exactly as sent.
        let raw = String(url[url.index(after: url.firstIndex(of: "?")!)...])
        let signed = String(raw[..<raw.range(of: "&Signature=")!.lowerBound])
        let signature = _RSA.Signing.RSASignature(rawRepresentation: try #require(Data(base64Encoded: query["Signature"] ?? "")))
        #expect(key.publicKey.isValidSignature(signature, for: SHA256.hash(data: Data(signed.utf8)), padding: .insecurePKCS1v1_5))
        #expect(!key.publicKey.isValidSignature(signature, for: SHA256.hash(data: Data((signed + "x").utf8)), padding: .insecurePKCS1v1_5))
    }

    @Test func requestIDsAreUniqueXMLIDs() {
        let ids = Set((0..<100).map { _ in AuthnRequest.newID() })
        #expect(ids.count == 100)
        #expect(ids.allSatisfy { $0.hasPrefix("_") && $0.count == 33 })
    }

    @Test func inflatingADeflateBombIsRefused() {
        let bomb = RawDeflate.deflate([UInt8](repeating: 0, count: 10 << 20))
        #expect(bomb.count < 64 * 1024)
        #expect(throws: RawDeflate.Failure(reason: .tooLarge)) { try RawDeflate.inflate(bomb, maximumBytes: 256 * 1024) }
    }

    @Test func corruptDeflateIsRefused() {
        #expect(throws: RawDeflate.Failure(reason: .corrupt)) { try RawDeflate.inflate([0xff, 0xfe, 0x00, 0x12], maximumBytes: 1024) }
    }

    @Test func valuesAreEscapedInTheRequestXML() throws {
        let request = AuthnRequest(destination: "https://idp/\"><x>", acsURL: "https://sp/acs", spEntityID: "a&b<c", now: Date())
        let root = try #require(try HardenedXMLDocument(parsing: Array(request.xml.utf8)).root)
        #expect(root.attribute("Destination") == "https://idp/\"><x>")
        #expect(root.childElements.first?.text == "a&b<c")
    }
}
