import GatehouseXML

/// Why a SAML response was refused: a stable code for logs, metrics and tests, and a private
/// context for the log. What the browser sees is generic; nothing here is shown to it.
public struct SAMLValidationError: Error, Equatable, CustomStringConvertible {
    public enum Code: Equatable, Sendable, CustomStringConvertible {
        case notAResponse
        case missingID
        case assertionCount
        case assertionMisplaced
        case unsigned
        /// A failure of the XML security layer (parsing, IDs, signature), with its own code.
        case xml(XMLSecurityError.Code)

        public var description: String {
            switch self {
            case .notAResponse: return "saml.not_a_response"
            case .missingID: return "saml.missing_id"
            case .assertionCount: return "saml.assertion_count"
            case .assertionMisplaced: return "saml.assertion_misplaced"
            case .unsigned: return "saml.unsigned"
            case .xml(let code): return code.rawValue
            }
        }
    }

    public let code: Code
    public let context: String

    public init(_ code: Code, context: String = "") {
        self.code = code
        self.context = context
    }

    init(_ error: XMLSecurityError) {
        self.init(.xml(error.code), context: error.context)
    }

    /// The same refusal when the codes match; the context is only diagnostics.
    public static func == (lhs: SAMLValidationError, rhs: SAMLValidationError) -> Bool { lhs.code == rhs.code }

    public var description: String { context.isEmpty ? code.description : "\(code): \(context)" }
}
