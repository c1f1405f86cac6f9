import Foundation

/// A SCIM error response (RFC 7644 §3.12): `status` as a string, an optional `scimType`, a
/// `detail` safe to show the IdP's administrator.
public struct SCIMError: Error, Sendable, Equatable {
    public static let schema = "urn:ietf:params:scim:api:messages:2.0:Error"

    public let status: Int
    public let scimType: String?
    public let detail: String

    public init(status: Int, scimType: String? = nil, detail: String) {
        self.status = status
        self.scimType = scimType
        self.detail = detail
    }

    public static let unauthorized = SCIMError(status: 401, detail: "A valid bearer token for this tenant is required.")
    public static let notFound = SCIMError(status: 404, detail: "Resource not found.")
    public static let methodNotAllowed = SCIMError(status: 405, detail: "This endpoint does not support that method.")
    public static func invalidFilter(_ detail: String) -> SCIMError { SCIMError(status: 400, scimType: "invalidFilter", detail: detail) }
    public static func invalidValue(_ detail: String) -> SCIMError { SCIMError(status: 400, scimType: "invalidValue", detail: detail) }
    public static func invalidSyntax(_ detail: String) -> SCIMError { SCIMError(status: 400, scimType: "invalidSyntax", detail: detail) }
    public static func invalidPath(_ detail: String) -> SCIMError { SCIMError(status: 400, scimType: "invalidPath", detail: detail) }
    public static func noTarget(_ detail: String) -> SCIMError { SCIMError(status: 400, scimType: "noTarget", detail: detail) }
    public static func mutability(_ detail: String) -> SCIMError { SCIMError(status: 400, scimType: "mutability", detail: detail) }
    public static func uniqueness(_ detail: String) -> SCIMError { SCIMError(status: 409, scimType: "uniqueness", detail: detail) }
    public static let preconditionFailed = SCIMError(status: 412, detail: "The resource has changed since that version (If-Match).")

    /// The response body.
    public var json: [UInt8] {
        var object: [String: JSONValue] = ["schemas": [.string(Self.schema)], "status": .string(String(status)), "detail": .string(detail)]
        if let scimType { object["scimType"] = .string(scimType) }
        return Array(JSONValue.object(object).serialized)
    }
}
