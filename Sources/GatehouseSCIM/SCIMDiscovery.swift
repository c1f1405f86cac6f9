import Foundation

/// The discovery resources (RFC 7644 §4, RFC 7643 §5–7): ServiceProviderConfig, ResourceTypes and
/// Schemas, with `role` declared as a top-level string of the core User schema, the way Okta's
/// "external namespace urn:ietf:params:scim:schemas:core:2.0:User, external name role" sends it.
public struct SCIMDiscovery: Sendable {
    public static let userSchema = "urn:ietf:params:scim:schemas:core:2.0:User"
    public static let groupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group"
    public static let enterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    public static let listSchema = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    public static let roles = ["ADMINISTRATOR", "MANAGER", "DEVELOPER", "DESIGNER", "SUPPORT_SPECIALIST", "ANALYST"]

    /// The tenant's SCIM base URL, e.g. `https://dash.example.com/scim/v2/acme`.
    public let baseURL: String

    public init(baseURL: String) { self.baseURL = baseURL }

    public var serviceProviderConfig: [String: Any] {
        [
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": ["supported": true], "bulk": ["supported": false, "maxOperations": 0, "maxPayloadSize": 0],
            "filter": ["supported": true, "maxResults": 200], "changePassword": ["supported": false], "sort": ["supported": false],
            "etag": ["supported": true],
            "authenticationSchemes": [
                [
                    "type": "oauthbearertoken", "name": "OAuth Bearer Token", "primary": true,
                    "description": "A bearer token issued by `gatehouse tenant init` for this tenant.",
                ]
            ],
            "meta": ["resourceType": "ServiceProviderConfig", "location": "\(baseURL)/ServiceProviderConfig"],
        ]
    }

    public var resourceTypes: [[String: Any]] {
        [
            [
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], "id": "User", "name": "User", "endpoint": "/Users",
                "schema": Self.userSchema, "schemaExtensions": [["schema": Self.enterpriseSchema, "required": false]],
                "meta": ["resourceType": "ResourceType", "location": "\(baseURL)/ResourceTypes/User"],
            ],
            [
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], "id": "Group", "name": "Group", "endpoint": "/Groups",
                "schema": Self.groupSchema, "meta": ["resourceType": "ResourceType", "location": "\(baseURL)/ResourceTypes/Group"],
            ],
        ]
    }

    public var schemas: [[String: Any]] {
        [
            schema(
                Self.userSchema, name: "User",
                attributes: [
                    attribute("userName", required: true, caseExact: false, uniqueness: "server"),
                    complex("name", [attribute("formatted"), attribute("familyName"), attribute("givenName"), attribute("middleName")]),
                    attribute("displayName"), attribute("externalId", caseExact: true), attribute("locale"),
                    attribute("active", type: "boolean"), attribute("password", mutability: "writeOnly", returned: "never"),
                    complex("emails", [attribute("value"), attribute("type"), attribute("primary", type: "boolean")], multiValued: true),
                    complex(
                        "groups", [attribute("value", mutability: "readOnly"), attribute("display", mutability: "readOnly")], multiValued: true,
                        mutability: "readOnly"),
                    {
                        var role = attribute("role", required: true, caseExact: true)
                        role["canonicalValues"] = Self.roles
                        role["description"] = "The dashboard role; one of the canonical values."
                        return role
                    }(),
                    complex("roles", [attribute("value"), attribute("primary", type: "boolean")], multiValued: true),
                ]),
            schema(
                Self.groupSchema, name: "Group",
                attributes: [
                    attribute("displayName", required: true), attribute("externalId", caseExact: true),
                    complex("members", [attribute("value"), attribute("display")], multiValued: true),
                ]),
            schema(
                Self.enterpriseSchema, name: "EnterpriseUser",
                attributes: [
                    attribute("employeeNumber"), attribute("costCenter"), attribute("organization"), attribute("division"), attribute("department"),
                    complex("manager", [attribute("value"), attribute("displayName", mutability: "readOnly")]),
                ]),
        ]
    }

    private func schema(_ id: String, name: String, attributes: [[String: Any]]) -> [String: Any] {
        [
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"], "id": id, "name": name, "attributes": attributes,
            "meta": ["resourceType": "Schema", "location": "\(baseURL)/Schemas/\(id)"],
        ]
    }

    private func attribute(
        _ name: String, type: String = "string", required: Bool = false, caseExact: Bool = false, mutability: String = "readWrite",
        returned: String = "default", uniqueness: String = "none"
    ) -> [String: Any] {
        [
            "name": name, "type": type, "multiValued": false, "required": required, "caseExact": caseExact, "mutability": mutability,
            "returned": returned, "uniqueness": uniqueness,
        ]
    }

    private func complex(_ name: String, _ subAttributes: [[String: Any]], multiValued: Bool = false, mutability: String = "readWrite")
        -> [String: Any]
    {
        [
            "name": name, "type": "complex", "multiValued": multiValued, "required": false, "mutability": mutability, "returned": "default",
            "subAttributes": subAttributes,
        ]
    }

    /// A ListResponse around `resources`.
    public static func list(_ resources: [[String: Any]]) -> [String: Any] {
        ["schemas": [listSchema], "totalResults": resources.count, "startIndex": 1, "itemsPerPage": resources.count, "Resources": resources]
    }
}
