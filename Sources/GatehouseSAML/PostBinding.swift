import Foundation
import GatehouseXML

/// Decodes messages received with the HTTP-POST binding (SAML bindings §3.5): base64 in a form
/// field, signed with an enveloped XML signature on the message itself.
public enum PostBinding {
    /// The XML of a form field's value (base64, whitespace ignored). Nothing is verified here.
    public static func decode(fieldValue: String) throws(SAMLValidationError) -> [UInt8] {
        guard let decoded = Data(base64Encoded: fieldValue.filter { !$0.isWhitespace }) else {
            throw SAMLValidationError(.binding, context: "the form value is not base64")
        }
        return Array(decoded)
    }

    /// A POST-bound logout message whose root element carries a signature by one of `keys`:
    /// structure first (an ID, a Signature child), then the signature over exactly that element.
    public static func verifiedLogoutMessage(
        parameter: String, xml: [UInt8], relayState: String?, keys: XMLSignatureKeys, policy: XMLSignaturePolicy = XMLSignaturePolicy()
    ) throws(SAMLValidationError) -> VerifiedLogoutMessage {
        let document: HardenedXMLDocument
        do { document = try HardenedXMLDocument(parsing: xml) } catch { throw SAMLValidationError(error) }
        guard let root = document.root,
            root.isNamed("LogoutRequest", namespace: SAMLNamespace.samlProtocol)
                || root.isNamed("LogoutResponse", namespace: SAMLNamespace.samlProtocol)
        else {
            throw SAMLValidationError(.notAResponse, context: "not a LogoutRequest or LogoutResponse")
        }
        guard let id = root.attribute("ID") else { throw SAMLValidationError(.missingID) }
        guard !root.children(named: "Signature", namespace: SAMLNamespace.dsig).isEmpty else { throw SAMLValidationError(.unsigned) }
        do {
            try document.prepareIDs()
            _ = try document.verifySignature(ofElementWithID: id, keys: keys, policy: policy)
        } catch {
            throw SAMLValidationError(error)
        }
        return VerifiedLogoutMessage(parameter: parameter, xml: xml, relayState: relayState, binding: .post(signedElementID: id))
    }
}
