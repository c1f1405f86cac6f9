/// A logout message (`SAMLRequest` or `SAMLResponse`) whose signature verified with the tenant
/// IdP's keys. Only the binding decoders make one (`RedirectBinding.verifiedLogoutMessage`,
/// `PostBinding.verifiedLogoutMessage`), so `LogoutRequestValidator` cannot be reached with a
/// message whose signature nobody checked.
public struct VerifiedLogoutMessage: Sendable, Equatable {
    /// How the message came, and so what the signature covers.
    public enum Binding: Sendable, Equatable {
        /// A query signature over the whole message, its RelayState and SigAlg.
        case redirect
        /// An enveloped XML signature on the root element, whose ID is kept here.
        case post(signedElementID: String)
    }

    /// `SAMLRequest` or `SAMLResponse`.
    public let parameter: String
    public let xml: [UInt8]
    public let relayState: String?
    public let binding: Binding

    // Internal: holding one proves a decoder verified it.
    init(parameter: String, xml: [UInt8], relayState: String?, binding: Binding) {
        self.parameter = parameter
        self.xml = xml
        self.relayState = relayState
        self.binding = binding
    }
}
