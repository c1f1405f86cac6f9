/// A failure in the XML security layer: a stable `code` for logs and tests, and a private
/// `context` that is logged but never shown to a client.
public struct XMLSecurityError: Error, Equatable, CustomStringConvertible {
    /// Why the document or operation was refused.
    public enum Code: String, Sendable, Equatable {
        case libraryInitialisationFailed = "xml.library_initialisation_failed"
        case documentTooLarge = "xml.document_too_large"
        case malformed = "xml.malformed"
        case doctypeForbidden = "xml.doctype_forbidden"
        case tooDeep = "xml.too_deep"
        case outOfMemory = "xml.out_of_memory"
    }

    public let code: Code
    /// Diagnostic detail for the log; never document content or secrets.
    public let context: String

    public init(_ code: Code, context: String = "") {
        self.code = code
        self.context = context
    }

    public var description: String { context.isEmpty ? code.rawValue : "\(code.rawValue): \(context)" }
}
