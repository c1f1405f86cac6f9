import GatehouseBasics

/// The schemas Gatehouse serves: the core User (RFC 7643 §4.1, plus `role`), the enterprise User
/// extension (§4.3) and the core Group (§4.2).
public enum SCIMSchemas {
    /// The values `role` accepts (the one list is `DashboardRole.all`).
    public static var roles: [String] { DashboardRole.all }

    private typealias A = SCIMAttributeDefinition

    private static func multi(_ name: String, type: A.Kind = .string, canonical: [String] = [], values: [String] = []) -> A {
        A(
            name, multiValued: true,
            subAttributes: [
                A("value", type: type, canonicalValues: values), A("display"), A("type", canonicalValues: canonical), A("primary", type: .boolean),
            ])
    }

    public static let user = SCIMSchemaDefinition(
        id: SCIMDiscovery.userSchema, name: "User", description: "User Account",
        attributes: [
            A("userName", required: true, uniqueness: "server", description: "Unique per tenant, compared ignoring case."),
            A(
                "name",
                subAttributes: [
                    A("formatted"), A("familyName"), A("givenName"), A("middleName"), A("honorificPrefix"), A("honorificSuffix"),
                ]),
            A("displayName"), A("nickName"), A("profileUrl", type: .reference), A("title"), A("userType"), A("preferredLanguage"),
            A("locale"), A("timezone"), A("active", type: .boolean),
            A("password", mutability: .writeOnly, returned: .never, description: "Accepted and never stored."),
            multi("emails", canonical: ["work", "home", "other"]),
            multi("phoneNumbers", canonical: ["work", "home", "mobile", "fax", "pager", "other"]),
            multi("ims"), multi("photos", type: .reference),
            A(
                "addresses", multiValued: true,
                subAttributes: [
                    A("formatted"), A("streetAddress"), A("locality"), A("region"), A("postalCode"), A("country"),
                    A("type", canonicalValues: ["work", "home", "other"]), A("primary", type: .boolean),
                ]),
            A(
                "groups", multiValued: true, mutability: .readOnly,
                subAttributes: [
                    A("value", mutability: .readOnly), A("$ref", type: .reference, mutability: .readOnly, referenceTypes: ["Group"]),
                    A("display", mutability: .readOnly), A("type", mutability: .readOnly),
                ]),
            multi("entitlements"),
            A(
                "role", required: true, caseExact: true, canonicalValues: roles,
                description: "The dashboard role; one of the canonical values."),
            // Entra sends the role here; its value must be one of the same canonical values.
            multi("roles", values: roles), multi("x509Certificates", type: .binary),
        ])

    public static let enterpriseUser = SCIMSchemaDefinition(
        id: SCIMDiscovery.enterpriseSchema, name: "EnterpriseUser", description: "Enterprise User",
        attributes: [
            A("employeeNumber"), A("costCenter"), A("organization"), A("division"), A("department"),
            A(
                "manager",
                subAttributes: [
                    A("value"), A("$ref", type: .reference, referenceTypes: ["User"]), A("displayName", mutability: .readOnly),
                ]),
        ])

    public static let group = SCIMSchemaDefinition(
        id: SCIMDiscovery.groupSchema, name: "Group", description: "Group",
        attributes: [
            A("displayName", required: true),
            A(
                "members", multiValued: true,
                subAttributes: [
                    A("value", mutability: .immutable), A("$ref", type: .reference, mutability: .immutable, referenceTypes: ["User"]),
                    A("type", mutability: .immutable, canonicalValues: ["User"]),
                ]),
        ])

    /// Attributes every resource has (RFC 7643 §3.1), outside any schema's attribute list.
    public static let common: [SCIMAttributeDefinition] = [
        A("id", caseExact: true, mutability: .readOnly, returned: .always, uniqueness: "server"),
        A("externalId", caseExact: true),
        A(
            "meta", mutability: .readOnly,
            subAttributes: [
                A("resourceType", caseExact: true, mutability: .readOnly), A("created", type: .dateTime, mutability: .readOnly),
                A("lastModified", type: .dateTime, mutability: .readOnly), A("location", type: .reference, mutability: .readOnly),
                A("version", caseExact: true, mutability: .readOnly),
            ]),
    ]
}
