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
/// the root is a Response; the document holds exactly one Assertion, a direct child of that
/// Response; every signature present on either verifies with the tenant's keys and references
/// the element it sits in; at least one is present. XSW attacks need a second Assertion or a
/// Reference to an element other than the one read, so each fails one of these.
public enum SignedAssertionLocator {
    public static func locate(in document: HardenedXMLDocument, keys: XMLSignatureKeys, policy: XMLSignaturePolicy = XMLSignaturePolicy())
        throws(SAMLValidationError) -> SignedAssertion
    {
        guard let response = document.root, response.isNamed("Response", namespace: SAMLNamespace.samlProtocol) else {
            throw SAMLValidationError(.notAResponse)
        }
        do { try document.prepareIDs() } catch { throw SAMLValidationError(error) }

        let assertions = response.descendants(named: "Assertion", namespace: SAMLNamespace.assertion)
        guard assertions.count == 1, let assertion = assertions.first else {
            throw SAMLValidationError(.assertionCount, context: "\(assertions.count) assertions in the document")
        }
        guard assertion.parent?.isSame(as: response) == true else {
            throw SAMLValidationError(.assertionMisplaced, context: "the assertion is not a child of the response")
        }
        let responseSigned = !response.children(named: "Signature", namespace: SAMLNamespace.dsig).isEmpty
        let assertionSigned = !assertion.children(named: "Signature", namespace: SAMLNamespace.dsig).isEmpty
        guard responseSigned || assertionSigned else { throw SAMLValidationError(.unsigned) }

        // Abort on the first cryptographic failure: a bad signature is never held "for later".
        for (element, signed) in [(response, responseSigned), (assertion, assertionSigned)] where signed {
            guard let id = element.attribute("ID") else { throw SAMLValidationError(.missingID, context: element.localName) }
            do {
                _ = try document.verifySignature(ofElementWithID: id, keys: keys, policy: policy)
            } catch {
                throw SAMLValidationError(error)
            }
        }
        return SignedAssertion(assertion: assertion, response: response, responseSigned: responseSigned, assertionSigned: assertionSigned)
    }
}
