/// The Response's Destination is this tenant's ACS URL, exactly (not a prefix, not a suffix).
enum DestinationCheck {
    static func check(_ located: SignedAssertion, context: SAMLTenantContext) throws(SAMLValidationError) {
        guard located.response.attribute("Destination") == context.acsURL else {
            throw SAMLValidationError(.destination, context: "Destination is not \(context.acsURL)")
        }
    }
}
