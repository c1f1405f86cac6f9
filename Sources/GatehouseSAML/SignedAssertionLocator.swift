import GatehouseXML

/// The one Assertion that a verified signature vouches for, and the only element the later
/// checks may read. Only `SignedAssertionLocator` makes one.
public struct SignedAssertion {
    public let assertion: XMLElement
    public let response: XMLElement
    /// Which signatures verified: the Response's, the Assertion's, or both.
    public let responseSigned: Bool
    public let assertionSigned: Bool
}

/// The structural and cryptographic core of response validation, against signature wrapping:
/// the root is a Response; the document holds exactly one Assertion or EncryptedAssertion, a
/// direct child of that Response; every signature present on either verifies with the tenant's
/// keys and references the element it sits in; at least one is present. XSW attacks need a second
/// Assertion or a Reference to an element other than the one read, so each fails one of these.
///
/// An EncryptedAssertion is decrypted with the SP keys only after the Response signature (which
/// covers the ciphertext) has verified; the plaintext must then be exactly one Assertion. Being
/// encrypted proves nothing (anyone can encrypt for the SP's public certificate): a signature
/// is still required.
public enum SignedAssertionLocator {
    public static func locate(
        in document: HardenedXMLDocument, keys: XMLSignatureKeys, policy: XMLSignaturePolicy = XMLSignaturePolicy(),
        decryptionKeys: XMLDecryptionKeys? = nil, limits: XMLParsingLimits = XMLParsingLimits()
    ) throws(SAMLValidationError) -> SignedAssertion {
        guard let response = document.root, response.isNamed("Response", namespace: SAMLNamespace.samlProtocol) else {
            throw SAMLValidationError(.notAResponse)
        }
        do { try document.prepareIDs() } catch { throw SAMLValidationError(error) }

        let plain = response.descendants(named: "Assertion", namespace: SAMLNamespace.assertion)
        let encrypted = response.descendants(named: "EncryptedAssertion", namespace: SAMLNamespace.assertion)
        guard plain.count + encrypted.count == 1, let outer = plain.first ?? encrypted.first else {
            throw SAMLValidationError(.assertionCount, context: "\(plain.count) assertions and \(encrypted.count) encrypted ones in the document")
        }
        guard outer.parent?.isSame(as: response) == true else {
            throw SAMLValidationError(.assertionMisplaced, context: "the assertion is not a child of the response")
        }
        // Abort on the first cryptographic failure: a bad signature is never held "for later".
        let responseSigned = !response.children(named: "Signature", namespace: SAMLNamespace.dsig).isEmpty
        if responseSigned { try verify(response, in: document, keys: keys, policy: policy) }

        let assertion = encrypted.isEmpty ? outer : try decrypt(outer, in: document, keys: decryptionKeys, limits: limits)
        let assertionSigned = !assertion.children(named: "Signature", namespace: SAMLNamespace.dsig).isEmpty
        guard responseSigned || assertionSigned else { throw SAMLValidationError(.unsigned) }
        if assertionSigned { try verify(assertion, in: document, keys: keys, policy: policy) }
        return SignedAssertion(assertion: assertion, response: response, responseSigned: responseSigned, assertionSigned: assertionSigned)
    }

    private static func verify(_ element: XMLElement, in document: HardenedXMLDocument, keys: XMLSignatureKeys, policy: XMLSignaturePolicy)
        throws(SAMLValidationError)
    {
        guard let id = element.attribute("ID") else { throw SAMLValidationError(.missingID, context: element.localName) }
        do {
            _ = try document.verifySignature(ofElementWithID: id, keys: keys, policy: policy)
        } catch {
            throw SAMLValidationError(error)
        }
    }

    /// The one Assertion an EncryptedAssertion decrypts to; anything else in the plaintext refuses it.
    private static func decrypt(_ container: XMLElement, in document: HardenedXMLDocument, keys: XMLDecryptionKeys?, limits: XMLParsingLimits)
        throws(SAMLValidationError) -> XMLElement
    {
        guard let keys else { throw SAMLValidationError(.xml(.decryptionFailed), context: "no SP key is configured to decrypt assertions") }
        let content: [XMLElement]
        do { content = try document.decryptContent(of: container, keys: keys, limits: limits) } catch { throw SAMLValidationError(error) }
        let assertions = document.root?.descendants(named: "Assertion", namespace: SAMLNamespace.assertion) ?? []
        guard content.count == 1, let assertion = content.first, assertion.isNamed("Assertion", namespace: SAMLNamespace.assertion),
            assertions.count == 1
        else {
            throw SAMLValidationError(
                .assertionCount, context: "the encrypted assertion held \(content.count) elements, \(assertions.count) assertions")
        }
        return assertion
    }
}
