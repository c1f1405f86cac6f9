import GatehouseBasics
import GatehouseXML

/// Why a SAML response was refused: a stable code for logs, metrics and tests, and a private
/// context for the log. What the browser sees is generic; nothing here is shown to it.
public struct SAMLValidationError: CodedError {
    public enum Code: ErrorCode, CustomStringConvertible {
        case notAResponse
        case missingID
        case assertionCount
        case assertionMisplaced
        case unsigned
        case destination
        case status
        case issuer
        case subjectConfirmation
        case recipient
        case subjectExpired
        case inResponseTo
        case unsolicited
        case notYetValid
        case expired
        case audience
        case replay
        /// The replay cache could not be asked: the response is refused (never accepted unchecked).
        case replayCacheUnavailable
        case missingNameID
        case malformedTime
        /// NameID or an identity attribute holds a control character (`IdentityValueCheck`).
        case controlCharacter
        /// A LogoutRequest's IssueInstant is missing, too old or in the future (beyond the clock skew).
        case issueInstant
        /// A binding's encoding (parameters, base64, DEFLATE) is unusable.
        case binding
        /// A failure of the XML security layer (parsing, IDs, signature), with its own code.
        case xml(XMLSecurityError.Code)

        public var description: String { name }

        public var name: String {
            switch self {
            case .notAResponse: return "saml.not_a_response"
            case .missingID: return "saml.missing_id"
            case .assertionCount: return "saml.assertion_count"
            case .assertionMisplaced: return "saml.assertion_misplaced"
            case .unsigned: return "saml.unsigned"
            case .destination: return "saml.destination"
            case .status: return "saml.status_not_success"
            case .issuer: return "saml.issuer"
            case .subjectConfirmation: return "saml.subject_confirmation_not_bearer"
            case .recipient: return "saml.recipient"
            case .subjectExpired: return "saml.subject_confirmation_expired"
            case .inResponseTo: return "saml.in_response_to_unknown"
            case .unsolicited: return "saml.unsolicited_not_allowed"
            case .notYetValid: return "saml.not_yet_valid"
            case .expired: return "saml.expired"
            case .audience: return "saml.audience"
            case .replay: return "saml.replay"
            case .replayCacheUnavailable: return "saml.replay_cache_unavailable"
            case .missingNameID: return "saml.missing_name_id"
            case .malformedTime: return "saml.malformed_time"
            case .controlCharacter: return "saml.identity_control_character"
            case .issueInstant: return "saml.issue_instant"
            case .binding: return "saml.binding_malformed"
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
}
