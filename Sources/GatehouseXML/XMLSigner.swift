import CXMLSecShim

/// The SP's private key for signing its own messages (AuthnRequest over HTTP-POST, LogoutRequest).
public final class XMLSigningKey: @unchecked Sendable {
    // Immutable after init; each signature uses a duplicate.
    let key: xmlSecKeyPtr

    /// Loads a PEM private key (PKCS#8 or PKCS#1, RSA).
    public init(privateKeyPEM pem: String) throws(XMLSecurityError) {
        try XMLSecurityLibrary.ensureInitialised()
        guard let loaded = XMLKeyLoading.privateKey(pem) else {
            throw XMLSecurityError(.keyUnreadable, context: "not a readable PEM private key")
        }
        key = loaded
    }

    deinit { xmlSecKeyDestroy(key) }
}

extension HardenedXMLDocument {
    /// Signs the element whose `ID` is `id` with an enveloped RSA-SHA256 signature (exclusive
    /// c14n, SHA-256 digest), placed right after its first child (the Issuer, as SAML's schema
    /// orders it), and returns the document's bytes. For messages Gatehouse itself wrote.
    public func signEnveloped(elementWithID id: String, key: XMLSigningKey) throws(XMLSecurityError) -> [UInt8] {
        try registerIDs()
        guard let attribute = xmlGetID(pointer, id), let element = attribute.pointee.parent else {
            throw XMLSecurityError(.signedElementNotFound, context: "no element with ID \(id)")
        }
        guard
            let signature = xmlSecTmplSignatureCreate(pointer, xmlSecTransformExclC14NGetKlass(), xmlSecOpenSSLTransformRsaSha256GetKlass(), nil),
            let reference = xmlSecTmplSignatureAddReference(signature, xmlSecOpenSSLTransformSha256GetKlass(), nil, "#\(id)", nil),
            xmlSecTmplReferenceAddTransform(reference, xmlSecTransformEnvelopedGetKlass()) != nil,
            xmlSecTmplReferenceAddTransform(reference, xmlSecTransformExclC14NGetKlass()) != nil
        else { throw XMLSecurityError(.outOfMemory) }
        let issuer = XMLNodeReading.elements(of: element).first
        let placed = issuer.map { xmlAddNextSibling($0, signature) } ?? xmlAddChild(element, signature)
        guard placed != nil else {
            xmlFreeNode(signature)
            throw XMLSecurityError(.outOfMemory)
        }
        guard let context = xmlSecDSigCtxCreate(nil) else { throw XMLSecurityError(.outOfMemory) }
        defer { xmlSecDSigCtxDestroy(context) }
        guard let copy = xmlSecKeyDuplicate(key.key) else { throw XMLSecurityError(.outOfMemory) }
        context.pointee.signKey = copy
        guard xmlSecDSigCtxSign(context, signature) == 0 else {
            throw XMLSecurityError(.verificationError, context: "libxmlsec1 could not sign")
        }
        var memory: UnsafeMutablePointer<xmlChar>?
        var size: Int32 = 0
        xmlDocDumpMemory(pointer, &memory, &size)
        guard let memory else { throw XMLSecurityError(.outOfMemory) }
        defer { gh_xml_free(memory) }
        return Array(UnsafeBufferPointer(start: memory, count: Int(size)))
    }
}
