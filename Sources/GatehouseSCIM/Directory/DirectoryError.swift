import GatehouseBasics

/// A directory write the data refused, with a stable code; the context is for logs only (the
/// SCIM client sees a generic `uniqueness` or `invalidValue`).
public struct DirectoryError: CodedError {
    public enum Code: String, ErrorCode {
        /// A uniqueness rule refused the write (a userName taken in that tenant, a group id taken).
        case conflict = "directory.conflict"
        /// A reference (a group member) names nothing the tenant has.
        case invalidReference = "directory.invalid_reference"
    }

    public let code: Code
    public let context: String

    public init(_ code: Code, context: String) {
        self.code = code
        self.context = context
    }
}
