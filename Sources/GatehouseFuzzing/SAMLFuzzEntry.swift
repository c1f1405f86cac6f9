import Dispatch
import Foundation
import GatehouseSAML
import GatehouseXML

/// One fuzzing input through everything that reads untrusted SAML: the whole response validation
/// (with the fixtures' IdP certificate and SP key, so signed and encrypted paths are reachable),
/// metadata parsing, and the inbound Redirect binding. Used by the libFuzzer target
/// (`make fuzz-saml`) and by a test that replays the seeds and every saved crasher.
public enum SAMLFuzzEntry {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tests/GatehouseSAMLTests/Fixtures")

    private static let keys: (XMLSignatureKeys, XMLDecryptionKeys)? = {
        guard let certificate = try? String(contentsOf: fixtures.appendingPathComponent("idp.crt"), encoding: .utf8),
            let key = try? String(contentsOf: fixtures.appendingPathComponent("sp.key"), encoding: .utf8),
            let signature = try? XMLSignatureKeys(certificatesPEM: [certificate]), let decryption = try? XMLDecryptionKeys(privateKeysPEM: [key])
        else { return nil }
        return (signature, decryption)
    }()

    /// 2026-11-29T12:01:00Z, when the fixtures are valid, so time checks pass for mutated seeds too.
    private static let now = Date(timeIntervalSince1970: 1_795_953_660)

    /// Runs `bytes` through every entry point; any outcome but a crash, a hang or a leak is fine.
    public static func run(_ bytes: [UInt8]) {
        guard let (signatureKeys, decryptionKeys) = keys else { fatalError("fixtures not found at \(fixtures.path)") }
        let context = SAMLTenantContext(
            tenantID: "acme", idpEntityID: "http://www.okta.com/exk123", spEntityID: "https://dash.example.com/sso/saml/acme/metadata",
            acsURL: "https://dash.example.com/sso/saml/acme/acs", keys: signatureKeys, decryptionKeys: decryptionKeys
        )
        let validator = SAMLResponseValidator(context: context, replayCache: InMemoryAssertionReplayCache())
        let done = DispatchSemaphore(value: 0)
        Task {
            _ = try? await validator.validate(responseXML: bytes, pendingRequestIDs: ["id-request-1"], now: now)
            done.signal()
        }
        done.wait()
        _ = try? IdPMetadata.parse(bytes)
        if let query = String(validating: bytes, as: UTF8.self) {
            _ = try? RedirectBinding.decode(rawQuery: query, keys: signatureKeys)
            _ = try? RedirectBinding.decode(rawQuery: query, keys: nil)
        }
    }
}
