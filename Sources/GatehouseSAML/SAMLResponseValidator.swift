import Foundation
import GatehouseXML

/// Validates a SAML Response for one tenant: an ordered list of small checks, structure first,
/// cryptography next, semantics after, each failing with its own code. Fail closed throughout.
public struct SAMLResponseValidator: Sendable {
    public let context: SAMLTenantContext
    public let replayCache: AssertionReplayCache
    public let limits: XMLParsingLimits

    public init(context: SAMLTenantContext, replayCache: AssertionReplayCache, limits: XMLParsingLimits = XMLParsingLimits()) {
        self.context = context
        self.replayCache = replayCache
        self.limits = limits
    }

    /// - Parameters:
    ///   - responseXML: the decoded `SAMLResponse` form value.
    ///   - pendingRequestIDs: AuthnRequest ids this browser is waiting for.
    ///   - now: the validation time (injected, so tests freeze it).
    public func validate(responseXML: [UInt8], pendingRequestIDs: Set<String>, now: Date) async throws(SAMLValidationError)
        -> ValidatedAssertion
    {
        let document: HardenedXMLDocument
        do { document = try HardenedXMLDocument(parsing: responseXML, limits: limits) } catch { throw SAMLValidationError(error) }
        let located = try SignedAssertionLocator.locate(
            in: document, keys: context.keys, policy: context.signaturePolicy, decryptionKeys: context.decryptionKeys, limits: limits
        )
        try DestinationCheck.check(located, context: context)
        try StatusCheck.check(located)
        try IssuerCheck.check(located, context: context)
        let answered = try SubjectConfirmationCheck.check(located, context: context, pendingRequestIDs: pendingRequestIDs, now: now)
        let expiry = try ConditionsCheck.check(located, context: context, now: now)
        let identity = try AssertionIdentity.read(located, context: context)
        try IdentityValueCheck.check([
            "NameID": identity.nameID, "email": identity.email, "id": identity.idpUserID, "role": identity.role,
            "SessionIndex": identity.sessionIndex,
        ])
        guard let assertionID = located.assertion.attribute("ID") else { throw SAMLValidationError(.missingID) }
        let fresh: Bool
        do {
            fresh = try await replayCache.remember(assertionID: assertionID, tenantID: context.tenantID, until: expiry, now: now)
        } catch {
            throw SAMLValidationError(.replayCacheUnavailable, context: "replay cache unavailable: \(error)")
        }
        guard fresh else { throw SAMLValidationError(.replay, context: "assertion \(assertionID) was already used") }
        return ValidatedAssertion(
            tenantID: context.tenantID, assertionID: assertionID, nameID: identity.nameID, email: identity.email,
            idpUserID: identity.idpUserID, sessionIndex: identity.sessionIndex, sessionNotOnOrAfter: identity.sessionEnd,
            inResponseTo: answered, role: identity.role
        )
    }
}
