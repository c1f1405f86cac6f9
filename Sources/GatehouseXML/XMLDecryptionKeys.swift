import CXMLSecShim
import Synchronization

/// The SP's private keys an `EncryptedAssertion` may be decrypted with: the current key and,
/// during rotation, the next one. Nothing in a document adds to them.
public final class XMLDecryptionKeys: @unchecked Sendable {
    // Immutable after init; each decryption works on a duplicate.
    let keys: [xmlSecKeyPtr]
    private let operations = Atomic<Int>(0)

    /// How many RSA decryptions these keys have attempted since they were loaded: what an
    /// anonymous ACS POST can make the SP spend (at most one per key, `decryptContent`).
    public var privateKeyOperations: Int { operations.load(ordering: .relaxed) }

    func countOperation() { operations.add(1, ordering: .relaxed) }

    /// Loads PEM private keys (PKCS#8 or PKCS#1); throws if any cannot be read.
    public init(privateKeysPEM: [String]) throws(XMLSecurityError) {
        try XMLSecurityLibrary.ensureInitialised()
        var loaded: [xmlSecKeyPtr] = []
        for (index, pem) in privateKeysPEM.enumerated() {
            guard let key = XMLKeyLoading.privateKey(pem) else {
                for key in loaded { xmlSecKeyDestroy(key) }
                throw XMLSecurityError(.keyUnreadable, context: "key \(index) is not a readable PEM private key")
            }
            loaded.append(key)
        }
        guard !loaded.isEmpty else { throw XMLSecurityError(.keyUnreadable, context: "no private keys") }
        keys = loaded
    }

    deinit {
        for key in keys { xmlSecKeyDestroy(key) }
    }
}
