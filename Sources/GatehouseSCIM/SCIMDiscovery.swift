/// The discovery resources (RFC 7644 §4, RFC 7643 §5–7): ServiceProviderConfig, ResourceTypes and
/// Schemas, with `role` declared as a top-level string of the core User schema, the way Okta's
/// "external namespace urn:ietf:params:scim:schemas:core:2.0:User, external name role" sends it.
public struct SCIMDiscovery: Sendable {
    public static let userSchema = "urn:ietf:params:scim:schemas:core:2.0:User"
    public static let groupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group"
    public static let enterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    public static let listSchema = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    public static let patchSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    public static let searchSchema = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
    public static let roles = SCIMSchemas.roles
    /// The most resources one page returns (`count` above it is lowered).
    public static let maximumResults = 200

    /// The tenant's SCIM base URL, e.g. `https://dash.example.com/scim/v2/acme`.
    public let baseURL: String

    public init(baseURL: String) { self.baseURL = baseURL }

    public var serviceProviderConfig: JSONValue {
        .object([
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": "https://github.com/gatehouse/gatehouse#scim",
            "patch": ["supported": true], "bulk": ["supported": false, "maxOperations": 0, "maxPayloadSize": 0],
            "filter": ["supported": true, "maxResults": .number(Double(Self.maximumResults))], "changePassword": ["supported": false],
            "sort": ["supported": false], "etag": ["supported": true],
            "authenticationSchemes": [
                [
                    "type": "oauthbearertoken", "name": "OAuth Bearer Token", "primary": true,
                    "description": "A bearer token issued by `gatehouse tenant init` for this tenant.",
                ]
            ],
            "meta": ["resourceType": "ServiceProviderConfig", "location": .string("\(baseURL)/ServiceProviderConfig")],
        ])
    }

    public var resourceTypes: [JSONValue] {
        [
            .object([
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], "id": "User", "name": "User", "endpoint": "/Users",
                "description": "User Account", "schema": .string(Self.userSchema),
                "schemaExtensions": [["schema": .string(Self.enterpriseSchema), "required": false]],
                "meta": ["resourceType": "ResourceType", "location": .string("\(baseURL)/ResourceTypes/User")],
            ]),
            .object([
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], "id": "Group", "name": "Group", "endpoint": "/Groups",
                "description": "Group", "schema": .string(Self.groupSchema), "schemaExtensions": [],
                "meta": ["resourceType": "ResourceType", "location": .string("\(baseURL)/ResourceTypes/Group")],
            ]),
        ]
    }

    public var schemas: [JSONValue] {
        [SCIMSchemas.user, SCIMSchemas.group, SCIMSchemas.enterpriseUser].map { schema in
            .object([
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"], "id": .string(schema.id), "name": .string(schema.name),
                "description": .string(schema.description), "attributes": .array(schema.attributes.map(\.json)),
                "meta": ["resourceType": "Schema", "location": .string("\(baseURL)/Schemas/\(schema.id)")],
            ])
        }
    }

    /// A ListResponse: `totalResults` matches, this page's `resources` from `startIndex`.
    public static func list(_ resources: [JSONValue], totalResults: Int? = nil, startIndex: Int = 1) -> JSONValue {
        .object([
            "schemas": [.string(listSchema)], "totalResults": .number(Double(totalResults ?? resources.count)),
            "startIndex": .number(Double(startIndex)), "itemsPerPage": .number(Double(resources.count)), "Resources": .array(resources),
        ])
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
