import Foundation
import GatehouseSAML
import GatehouseXML
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct SignatureEdgeCaseTests {
    static func validate(_ xml: String, sha1: Bool = false) async throws -> ValidatedAssertion {
        let context = SAMLTenantContext(
            tenantID: "acme", idpEntityID: "http://www.okta.com/exk123", spEntityID: "https://dash.example.com/sso/saml/acme/metadata",
            acsURL: "https://dash.example.com/sso/saml/acme/acs", keys: try XMLSignatureVerifierTests.idpKeys(),
            signaturePolicy: XMLSignaturePolicy(insecureAllowSHA1: sha1)
        )
        return try await SAMLResponseValidator(context: context, replayCache: InMemoryAssertionReplayCache())
            .validate(responseXML: Array(xml.utf8), pendingRequestIDs: ["id-request-1"], now: SAMLResponseValidatorTests.now)
    }

    static func fixture(_ name: String) throws -> String { try XMLSignatureVerifierTests.fixture(name) }

    @Test func aSignatureRemovedFromASignedResponseLeavesItUnsigned() async throws {
        let xml = try Self.fixture("signature-removed.xml")
        await #expect(throws: SAMLValidationError(.unsigned)) { try await Self.validate(xml) }
    }

    @Test func aSignatureWhoseReferencePointsAtAnotherElementIsRefused() async throws {
        let xml = try Self.fixture("reference-to-other-element.xml")
        await #expect(throws: SAMLValidationError(.xml(.referenceNotSignedElement))) { try await Self.validate(xml) }
    }

    @Test func sha1IsRefusedUnlessTheTenantOptsIn() async throws {
        let xml = try Self.fixture("sha1.xml")
        await #expect(throws: SAMLValidationError(.xml(.sha1Refused))) { try await Self.validate(xml) }
        let validated = try await Self.validate(xml, sha1: true)
        #expect(validated.nameID == "alice@acme.com")
    }

    @Test(arguments: [
        #"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&e;</samlp:Response>"#,
        #"<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&lol2;</samlp:Response>"#,
    ])
    func dtdsAreRefusedBeforeAnythingElse(xml: String) async throws {
        await #expect(throws: SAMLValidationError(.xml(.doctypeForbidden))) { try await Self.validate(xml) }
    }

    @Test func aRetrievalMethodInKeyInfoIsNeverFollowed() async throws {
        let listener = try LoopbackListener()
        defer { listener.close() }
        let xml = try Self.fixture("retrieval-method.xml").replacingOccurrences(of: "RETRIEVAL_URL", with: "http://127.0.0.1:\(listener.port)/key")
        await #expect(throws: SAMLValidationError(.xml(.retrievalMethodForbidden))) { try await Self.validate(xml) }
        #expect(listener.acceptedConnections() == 0)
    }
}

/// A TCP listener on 127.0.0.1 that only counts connection attempts (non-blocking accept).
final class LoopbackListener: @unchecked Sendable {
    let port: Int
    private let socketDescriptor: Int32

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        guard bound == 0, listen(descriptor, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        port = Int(UInt16(bigEndian: address.sin_port))
        socketDescriptor = descriptor
    }

    /// Connections waiting in the backlog (each one would be a fetch attempt).
    func acceptedConnections() -> Int {
        var count = 0
        while true {
            let client = accept(socketDescriptor, nil, nil)
            guard client >= 0 else { return count }
            count += 1
            Glibc.close(client)
        }
    }

    func close() { Glibc.close(socketDescriptor) }
}
