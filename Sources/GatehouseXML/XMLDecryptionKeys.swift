import CXMLSecShim

/// The SP's private keys an `EncryptedAssertion` may be decrypted with: the current key and,
/// during rotation, the next one. Nothing in a document adds to them.
public final class XMLDecryptionKeys: @unchecked Sendable {
    // Immutable after init; each decryption works on a duplicate.
    let keys: [xmlSecKeyPtr]

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
