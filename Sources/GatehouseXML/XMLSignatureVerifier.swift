import CXMLSecShim

/// Which algorithms a signature may use. Only the enveloped-signature and exclusive c14n
/// transforms; RSA or ECDSA with SHA-256 or stronger; SHA-1 only when a tenant opts in.
public struct XMLSignaturePolicy: Sendable, Equatable {
    /// Accept RSA-SHA1/ECDSA-SHA1 signatures and SHA-1 digests (`insecure_allow_sha1`).
    public var insecureAllowSHA1: Bool

    public init(insecureAllowSHA1: Bool = false) {
        self.insecureAllowSHA1 = insecureAllowSHA1
    }

    static let exclusiveC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
    static let envelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    static let signatureMethods: Set<String> = [
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
    ]
    static let digestMethods: Set<String> = [
        "http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2001/04/xmldsig-more#sha384", "http://www.w3.org/2001/04/xmlenc#sha512",
    ]
    static let sha1SignatureMethods: Set<String> = [
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1",
    ]
    static let sha1Digest = "http://www.w3.org/2000/09/xmldsig#sha1"
}

/// Proof that the element with `id` carries an enveloped signature that verified with one of
/// the trusted keys, and that its only Reference covers exactly that element.
public struct VerifiedSignature: Sendable, Equatable {
    public let signedElementID: String
}

extension HardenedXMLDocument {
    /// Verifies the enveloped signature of the element whose `ID` is `id`, with `keys` only.
    ///
    /// Structure first (one Signature child, one Reference, pointing at this very element, only
    /// allowed algorithms), then cryptography with libxmlsec1, reading the context's status
    /// (verify returns 0 for a bad signature too). KeyInfo in the document is never consulted:
    /// the key is set on the context before verification.
    public func verifySignature(ofElementWithID id: String, keys: XMLSignatureKeys, policy: XMLSignaturePolicy = XMLSignaturePolicy())
        throws(XMLSecurityError) -> VerifiedSignature
    {
        try registerIDs()
        guard let attribute = xmlGetID(pointer, id), let element = attribute.pointee.parent else {
            throw XMLSecurityError(.signedElementNotFound, context: "no element with ID \(id)")
        }
        let signatures = XMLNodeReading.elements(of: element).filter {
            XMLNodeReading.isElement($0, named: "Signature", namespace: XMLNodeReading.dsigNamespace)
        }
        guard let signature = signatures.first else { throw XMLSecurityError(.signatureMissing, context: "element \(id) is not signed") }
        guard signatures.count == 1 else { throw XMLSecurityError(.multipleSignatures, context: "\(signatures.count) signatures on \(id)") }
        try Self.checkStructure(of: signature, signedID: id, policy: policy)

        var lastFailure = XMLSecurityError(.signatureInvalid, context: "no key verified the signature")
        for key in keys.keys {
            switch try Self.verify(signature, with: key) {
            case .succeeded: return VerifiedSignature(signedElementID: id)
            case .failed(let failure): lastFailure = failure
            }
        }
        throw lastFailure
    }

    /// Registers `ID` attributes once; a duplicate or empty ID refuses the document.
    func registerIDs() throws(XMLSecurityError) {
        guard !idsRegistered else { return }
        switch gh_xml_register_ids(pointer) {
        case Int32(GH_XML_OK): idsRegistered = true
        case Int32(GH_XML_DUPLICATE_ID): throw XMLSecurityError(.duplicateID)
        default: throw XMLSecurityError(.emptyID)
        }
    }

    private static func checkStructure(of signature: xmlNodePtr, signedID: String, policy: XMLSignaturePolicy) throws(XMLSecurityError) {
        let ds = XMLNodeReading.dsigNamespace
        guard
            let signedInfo = XMLNodeReading.elements(of: signature).first(where: { XMLNodeReading.isElement($0, named: "SignedInfo", namespace: ds) })
        else { throw XMLSecurityError(.verificationError, context: "no SignedInfo") }
        // KeyInfo never supplies trust, and nothing in it is ever fetched.
        let keyInfo = XMLNodeReading.elements(of: signature).filter { XMLNodeReading.isElement($0, named: "KeyInfo", namespace: ds) }
        if keyInfo.contains(where: { info in
            XMLNodeReading.elements(of: info).contains { XMLNodeReading.isElement($0, named: "RetrievalMethod", namespace: ds) }
        }) {
            throw XMLSecurityError(.retrievalMethodForbidden, context: "KeyInfo carries a RetrievalMethod")
        }
        let parts = XMLNodeReading.elements(of: signedInfo)
        let canonicalization = parts.first { XMLNodeReading.isElement($0, named: "CanonicalizationMethod", namespace: ds) }
            .flatMap { XMLNodeReading.attribute("Algorithm", of: $0) }
        guard canonicalization == XMLSignaturePolicy.exclusiveC14N else {
            throw XMLSecurityError(.forbiddenTransform, context: "canonicalization \(canonicalization ?? "missing")")
        }
        let method =
            parts.first { XMLNodeReading.isElement($0, named: "SignatureMethod", namespace: ds) }
            .flatMap { XMLNodeReading.attribute("Algorithm", of: $0) } ?? "missing"
        try check(algorithm: method, allowed: XMLSignaturePolicy.signatureMethods, sha1: XMLSignaturePolicy.sha1SignatureMethods, policy: policy)

        let references = parts.filter { XMLNodeReading.isElement($0, named: "Reference", namespace: ds) }
        guard references.count == 1, let reference = references.first else {
            throw XMLSecurityError(.referenceCount, context: "\(references.count) references")
        }
        guard XMLNodeReading.attribute("URI", of: reference) == "#\(signedID)" else {
            throw XMLSecurityError(.referenceNotSignedElement, context: "reference does not point at \(signedID)")
        }
        for part in XMLNodeReading.elements(of: reference) {
            if XMLNodeReading.isElement(part, named: "Transforms", namespace: ds) {
                for transform in XMLNodeReading.elements(of: part) {
                    let algorithm = XMLNodeReading.attribute("Algorithm", of: transform) ?? "missing"
                    guard algorithm == XMLSignaturePolicy.envelopedSignature || algorithm == XMLSignaturePolicy.exclusiveC14N else {
                        throw XMLSecurityError(.forbiddenTransform, context: algorithm)
                    }
                }
            } else if XMLNodeReading.isElement(part, named: "DigestMethod", namespace: ds) {
                let digest = XMLNodeReading.attribute("Algorithm", of: part) ?? "missing"
                try check(algorithm: digest, allowed: XMLSignaturePolicy.digestMethods, sha1: [XMLSignaturePolicy.sha1Digest], policy: policy)
            }
        }
    }

    private static func check(algorithm: String, allowed: Set<String>, sha1: Set<String>, policy: XMLSignaturePolicy) throws(XMLSecurityError) {
        if allowed.contains(algorithm) { return }
        if sha1.contains(algorithm) {
            if policy.insecureAllowSHA1 { return }
            throw XMLSecurityError(.sha1Refused, context: algorithm)
        }
        throw XMLSecurityError(.forbiddenAlgorithm, context: algorithm)
    }

    private enum Outcome {
        case succeeded
        case failed(XMLSecurityError)
    }

    private static func verify(_ signature: xmlNodePtr, with key: xmlSecKeyPtr) throws(XMLSecurityError) -> Outcome {
        guard let context = xmlSecDSigCtxCreate(nil) else { throw XMLSecurityError(.outOfMemory) }
        defer { xmlSecDSigCtxDestroy(context) }
        guard let copy = xmlSecKeyDuplicate(key) else { throw XMLSecurityError(.outOfMemory) }
        context.pointee.signKey = copy
        context.pointee.flags |= UInt32(XMLSEC_DSIG_FLAGS_STORE_SIGNEDINFO_REFERENCES)
        context.pointee.enabledReferenceUris = xmlSecTransformUriType(xmlSecTransformUriTypeSameDocument)
        // Defence in depth behind the structural check: libxmlsec1 itself refuses anything else.
        let referenceTransforms = [
            xmlSecTransformEnvelopedGetKlass(), xmlSecTransformExclC14NGetKlass(), xmlSecOpenSSLTransformSha1GetKlass(),
            xmlSecOpenSSLTransformSha256GetKlass(), xmlSecOpenSSLTransformSha384GetKlass(), xmlSecOpenSSLTransformSha512GetKlass(),
        ]
        let signatureTransforms = [
            xmlSecTransformExclC14NGetKlass(), xmlSecOpenSSLTransformRsaSha1GetKlass(), xmlSecOpenSSLTransformRsaSha256GetKlass(),
            xmlSecOpenSSLTransformRsaSha384GetKlass(), xmlSecOpenSSLTransformRsaSha512GetKlass(), xmlSecOpenSSLTransformEcdsaSha1GetKlass(),
            xmlSecOpenSSLTransformEcdsaSha256GetKlass(), xmlSecOpenSSLTransformEcdsaSha384GetKlass(), xmlSecOpenSSLTransformEcdsaSha512GetKlass(),
        ]
        for transform in referenceTransforms where xmlSecDSigCtxEnableReferenceTransform(context, transform) < 0 {
            throw XMLSecurityError(.verificationError, context: "cannot restrict reference transforms")
        }
        for transform in signatureTransforms where xmlSecDSigCtxEnableSignatureTransform(context, transform) < 0 {
            throw XMLSecurityError(.verificationError, context: "cannot restrict signature transforms")
        }
        guard xmlSecDSigCtxVerify(context, signature) == 0 else {
            return .failed(XMLSecurityError(.verificationError, context: "libxmlsec1 could not process the signature"))
        }
        // A bad signature still returns 0: the status is what counts.
        if context.pointee.status == xmlSecDSigStatusSucceeded { return .succeeded }
        let references = withUnsafeMutablePointer(to: &context.pointee.signedInfoReferences) { list in
            (0..<xmlSecPtrListGetSize(list)).compactMap { xmlSecPtrListGetItem(list, $0)?.assumingMemoryBound(to: xmlSecDSigReferenceCtx.self) }
        }
        if references.contains(where: { $0.pointee.status != xmlSecDSigStatusSucceeded }) {
            return .failed(XMLSecurityError(.digestMismatch, context: "the signed content was changed after signing"))
        }
        return .failed(XMLSecurityError(.signatureInvalid, context: "signature value does not verify with a trusted key"))
    }
}
