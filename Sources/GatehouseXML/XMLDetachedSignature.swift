import CXMLSecShim

extension XMLSignatureKeys {
    /// Verifies a signature over raw bytes (the HTTP-Redirect binding signs its query string) with
    /// the trusted keys only, through libxmlsec1's signature transforms; the transform's status
    /// decides. `algorithm` is an XML-DSig SignatureMethod URI, allowed by the same policy as
    /// enveloped signatures.
    public func verifyDetached(_ data: [UInt8], signature: [UInt8], algorithm: String, policy: XMLSignaturePolicy = XMLSignaturePolicy())
        throws(XMLSecurityError)
    {
        if XMLSignaturePolicy.sha1SignatureMethods.contains(algorithm) {
            guard policy.insecureAllowSHA1 else { throw XMLSecurityError(.sha1Refused, context: algorithm) }
        } else if !XMLSignaturePolicy.signatureMethods.contains(algorithm) {
            throw XMLSecurityError(.forbiddenAlgorithm, context: algorithm)
        }
        guard let klass = Self.transform(for: algorithm) else { throw XMLSecurityError(.forbiddenAlgorithm, context: algorithm) }
        for key in keys where try Self.verify(data, signature: signature, klass: klass, key: key) { return }
        throw XMLSecurityError(.signatureInvalid, context: "the query signature does not verify with a trusted key")
    }

    private static func transform(for algorithm: String) -> xmlSecTransformId? {
        switch algorithm {
        case "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": return xmlSecOpenSSLTransformRsaSha256GetKlass()
        case "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": return xmlSecOpenSSLTransformRsaSha384GetKlass()
        case "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": return xmlSecOpenSSLTransformRsaSha512GetKlass()
        case "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": return xmlSecOpenSSLTransformEcdsaSha256GetKlass()
        case "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384": return xmlSecOpenSSLTransformEcdsaSha384GetKlass()
        case "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512": return xmlSecOpenSSLTransformEcdsaSha512GetKlass()
        case "http://www.w3.org/2000/09/xmldsig#rsa-sha1": return xmlSecOpenSSLTransformRsaSha1GetKlass()
        case "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1": return xmlSecOpenSSLTransformEcdsaSha1GetKlass()
        default: return nil
        }
    }

    private static func verify(_ data: [UInt8], signature: [UInt8], klass: xmlSecTransformId, key: xmlSecKeyPtr) throws(XMLSecurityError) -> Bool {
        guard let context = xmlSecTransformCtxCreate() else { throw XMLSecurityError(.outOfMemory) }
        defer { xmlSecTransformCtxDestroy(context) }
        guard let transform = xmlSecTransformCtxCreateAndAppend(context, klass) else { throw XMLSecurityError(.outOfMemory) }
        transform.pointee.operation = xmlSecTransformOperationVerify
        // A key of the wrong type (an EC key for an RSA method) simply does not verify.
        guard xmlSecTransformSetKey(transform, key) == 0 else { return false }
        let executed = data.withUnsafeBufferPointer { xmlSecTransformCtxBinaryExecute(context, $0.baseAddress, CUnsignedInt($0.count)) }
        guard executed == 0 else { return false }
        let verified = signature.withUnsafeBufferPointer { xmlSecTransformVerify(transform, $0.baseAddress, CUnsignedInt($0.count), context) }
        return verified == 0 && transform.pointee.status == xmlSecTransformStatusOk
    }
}
