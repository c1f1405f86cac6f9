import GatehouseXML

/// The XML security library under SAML, as its users need it: initialised once at start, and
/// its version for `gatehouse version`.
public enum SAMLLibrary {
    /// Initialises libxml2 and xmlsec if that has not happened yet; throws if they could not be.
    public static func initialise() throws {
        try XMLSecurityLibrary.ensureInitialised()
    }

    /// The linked xmlsec version.
    public static var xmlsecVersion: String { XMLSecurityLibrary.xmlsecVersion }
}

/// An IdP's signing certificates, loaded (from its metadata): what checks its signatures.
public typealias IdPSignatureKeys = XMLSignatureKeys
/// The SP's private keys that decrypt an EncryptedAssertion: the current one, then the next.
public typealias SPDecryptionKeys = XMLDecryptionKeys
/// Which signature algorithms a tenant accepts (`insecure_allow_sha1`).
public typealias SignatureAlgorithmPolicy = XMLSignaturePolicy
