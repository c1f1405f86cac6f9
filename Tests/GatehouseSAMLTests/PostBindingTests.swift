import Foundation
import GatehouseSAML
import GatehouseTestSupport
import GatehouseXML
import Testing

/// The AuthnRequest over HTTP-POST: the base64 value the server's form posts, and an enveloped
/// signature that an independent verifier (signxml, run from the test venv) accepts. The form
/// itself is the server's (`PostBindingFormTests`).
@Suite struct PostBindingTests {
    static let request = AuthnRequest(
        destination: "https://acme.okta.com/app/acme_dash/exk123/sso/saml?x=1&y=\"2\"", acsURL: "https://dash.example.com/sso/saml/acme/acs",
        spEntityID: "https://dash.example.com/sso/saml/acme/metadata", now: SAMLResponseValidatorTests.now
    )

    @Test func theUnsignedValueIsTheRequestAsBase64() throws {
        let xml = try #require(Data(base64Encoded: Self.request.postBindingValue()))
        #expect(String(decoding: xml, as: UTF8.self) == Self.request.xml)
        let root = try #require(try HardenedXMLDocument(parsing: Array(xml)).root)
        #expect(root.attribute("ID") == Self.request.id)
        #expect(root.children(named: "Signature", namespace: "http://www.w3.org/2000/09/xmldsig#").isEmpty)
    }

    @Test func aSignedRequestVerifiesWithLibxmlsec1AndWithSignxml() throws {
        let key = try XMLSigningKey(privateKeyPEM: XMLSignatureVerifierTests.fixture("sp.key"))
        let xml = try #require(Data(base64Encoded: Self.request.postBindingValue(signingKey: key)))
        let document = try HardenedXMLDocument(parsing: Array(xml))
        let spKeys = try XMLSignatureKeys(certificatesPEM: [XMLSignatureVerifierTests.fixture("sp.crt")])
        #expect(try document.verifySignature(ofElementWithID: Self.request.id, keys: spKeys).signedElementID == Self.request.id)
        // The Signature sits right after the Issuer, where SAML's schema puts it.
        let names = try #require(document.root).childElements.map(\.localName)
        #expect(names.prefix(2) == ["Issuer", "Signature"])

        let result = try PythonPeer.run("verify_signature.py", arguments: [PythonPeer.fixturePath("sp.crt")], input: Array(xml))
        #expect(result.status == 0, "signxml refused: \(result.output)")
        #expect(result.output.contains("AuthnRequest"))
        let wrong = try PythonPeer.run("verify_signature.py", arguments: [PythonPeer.fixturePath("idp.crt")], input: Array(xml))
        #expect(wrong.status == 1)
    }
}

/// Runs a Python script beside the fixtures with the repository's test venv (`make venv`).
enum PythonPeer {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func fixturePath(_ name: String) -> String {
        repository.appendingPathComponent("Tests/GatehouseSAMLTests/Fixtures/\(name)").path
    }

    static func run(_ script: String, arguments: [String], input: [UInt8]) throws -> (status: Int32, output: String) {
        let python = repository.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw PeerMissing(description: "\(python) is missing: run `make venv` (make test does)")
        }
        let (status, output) = try ChildProcess.run(python, [fixturePath(script)] + arguments, input: Data(input), mergeStandardError: true)
        return (status, String(decoding: output, as: UTF8.self))
    }

    struct PeerMissing: Error, CustomStringConvertible {
        let description: String
    }
}
