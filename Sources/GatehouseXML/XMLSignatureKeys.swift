import CXMLSecShim

/// The keys a signature may be verified with: a tenant's IdP signing certificates from its
/// metadata, several at once during rollover. Nothing in a signed document adds to them.
public final class XMLSignatureKeys: @unchecked Sendable {
    // Immutable after init; xmlsec only reads a key while verifying with a duplicate of it.
    let keys: [xmlSecKeyPtr]

    /// Loads PEM certificates; throws if any cannot be read.
    public init(certificatesPEM: [String]) throws(XMLSecurityError) {
        try XMLSecurityLibrary.ensureInitialised()
        var loaded: [xmlSecKeyPtr] = []
        for (index, pem) in certificatesPEM.enumerated() {
            let key = XMLKeyLoading.load(pem, format: xmlSecKeyDataFormatCertPem)
            // Keep only the public key value: duplicating a key with its certificate data for every
            // verification costs far more than the verification's own RSA operation.
            guard let key, let bare = Self.keyValueOnly(of: key) else {
                if let key { xmlSecKeyDestroy(key) }
                for key in loaded { xmlSecKeyDestroy(key) }
                throw XMLSecurityError(.keyUnreadable, context: "certificate \(index) is not a readable PEM certificate")
            }
            xmlSecKeyDestroy(key)
            loaded.append(bare)
        }
        guard !loaded.isEmpty else { throw XMLSecurityError(.keyUnreadable, context: "no certificates") }
        keys = loaded
    }

    private static func keyValueOnly(of key: xmlSecKeyPtr) -> xmlSecKeyPtr? {
        guard let value = xmlSecKeyGetValue(key), let copy = xmlSecKeyDataDuplicate(value), let bare = xmlSecKeyCreate() else { return nil }
        guard xmlSecKeySetValue(bare, copy) == 0 else {
            xmlSecKeyDataDestroy(copy)
            xmlSecKeyDestroy(bare)
            return nil
        }
        return bare
    }

    deinit {
        for key in keys { xmlSecKeyDestroy(key) }
    }
}
