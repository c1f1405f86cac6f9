import GatehouseBasics

/// A failure in the XML security layer: a stable `code` for logs and tests, and a private
/// `context` that is logged but never shown to a client.
public struct XMLSecurityError: CodedError {
    /// Why the document or operation was refused.
    public enum Code: String, ErrorCode {
        case libraryInitialisationFailed = "xml.library_initialisation_failed"
        case documentTooLarge = "xml.document_too_large"
        case malformed = "xml.malformed"
        case doctypeForbidden = "xml.doctype_forbidden"
        case tooDeep = "xml.too_deep"
        case outOfMemory = "xml.out_of_memory"
        case duplicateID = "xml.duplicate_id"
        case emptyID = "xml.empty_id"
        case keyUnreadable = "xml.key_unreadable"
        case signedElementNotFound = "dsig.signed_element_not_found"
        case signatureMissing = "dsig.signature_missing"
        case multipleSignatures = "dsig.multiple_signatures"
        case referenceCount = "dsig.reference_count"
        case referenceNotSignedElement = "dsig.reference_not_signed_element"
        case forbiddenTransform = "dsig.forbidden_transform"
        case retrievalMethodForbidden = "dsig.retrieval_method_forbidden"
        case forbiddenAlgorithm = "dsig.forbidden_algorithm"
        case sha1Refused = "dsig.sha1_refused"
        case digestMismatch = "dsig.digest_mismatch"
        case signatureInvalid = "dsig.signature_invalid"
        case verificationError = "dsig.verification_error"
        case encryptionStructure = "xenc.structure"
        case forbiddenEncryptionAlgorithm = "xenc.forbidden_algorithm"
        case decryptionFailed = "xenc.decryption_failed"
        /// More EncryptedKeys than the SP has private keys: each would cost an RSA decryption.
        case tooManyEncryptedKeys = "xenc.too_many_encrypted_keys"
    }

    public let code: Code
    /// Diagnostic detail for the log; never document content or secrets.
    public let context: String

    public init(_ code: Code, context: String = "") {
        self.code = code
        self.context = context
    }
}
