import Foundation
import GatehouseBasics
import GatehouseXML

/// Checks an IdP's LogoutRequest after its binding decoder verified the signature (a query
/// signature in the Redirect binding, an enveloped XML signature on the request with HTTP-POST):
/// Issuer, Destination, IssueInstant within the clock skew either way, NotOnOrAfter, and an ID
/// never seen before (a replayed request ends nothing). Fails closed, with the same error codes
/// as response validation.
public enum LogoutRequestValidator {
    /// - Parameters:
    ///   - message: what a binding decoder verified; there is no other way to make one.
    ///   - replayCache: the store the assertions use; the request's ID is kept there until its
    ///     IssueInstant is older than the clock skew (after which it is refused as too old anyway).
    public static func validate(
        _ message: VerifiedLogoutMessage, context: SAMLTenantContext, sloURL: String, replayCache: AssertionReplayCache, now: Date
    ) async throws(SAMLValidationError) -> ValidatedLogoutRequest {
        guard message.parameter == "SAMLRequest" else { throw SAMLValidationError(.binding, context: "a \(message.parameter), not a SAMLRequest") }
        let document: HardenedXMLDocument
        do { document = try HardenedXMLDocument(parsing: message.xml) } catch { throw SAMLValidationError(error) }
        guard let root = document.root, root.isNamed("LogoutRequest", namespace: SAMLNamespace.samlProtocol) else {
            throw SAMLValidationError(.notAResponse, context: "not a LogoutRequest")
        }
        guard let id = root.attribute("ID") else { throw SAMLValidationError(.missingID) }
        // With HTTP-POST the signature covers the element with that ID: it must be this request.
        if case .post(let signedID) = message.binding, signedID != id {
            throw SAMLValidationError(.xml(.referenceNotSignedElement), context: "the verified element is not this LogoutRequest")
        }
        guard root.children(named: "Issuer", namespace: SAMLNamespace.assertion).first?.text == context.idpEntityID else {
            throw SAMLValidationError(.issuer)
        }
        if let destination = root.attribute("Destination"), destination != sloURL { throw SAMLValidationError(.destination) }
        let skew = context.clockSkew.timeInterval
        guard let instant = root.attribute("IssueInstant"), let issued = SAMLTime.parse(instant) else {
            throw SAMLValidationError(.issueInstant, context: "IssueInstant missing or unreadable")
        }
        guard now < issued.addingTimeInterval(skew) else { throw SAMLValidationError(.issueInstant, context: "issued too long ago") }
        guard now >= issued.addingTimeInterval(-skew) else { throw SAMLValidationError(.issueInstant, context: "issued in the future") }
        if let limit = root.attribute("NotOnOrAfter") {
            guard let end = SAMLTime.parse(limit) else { throw SAMLValidationError(.malformedTime) }
            guard now < end.addingTimeInterval(skew) else { throw SAMLValidationError(.expired) }
        }
        guard let nameID = root.children(named: "NameID", namespace: SAMLNamespace.assertion).first?.text, !nameID.isEmpty else {
            throw SAMLValidationError(.missingNameID)
        }
        let indexes = root.children(named: "SessionIndex", namespace: SAMLNamespace.samlProtocol).map(\.text)
        let fresh: Bool
        do {
            fresh = try await replayCache.remember(
                assertionID: "LogoutRequest:" + id, tenantID: context.tenantID, until: issued.addingTimeInterval(skew), now: now)
        } catch {
            throw SAMLValidationError(.replayCacheUnavailable, context: "replay cache unavailable: \(error)")
        }
        guard fresh else { throw SAMLValidationError(.replay, context: "LogoutRequest \(id) was already used") }
        return ValidatedLogoutRequest(id: id, nameID: nameID, sessionIndexes: indexes)
    }
}
