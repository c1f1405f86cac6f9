import Foundation
import GatehouseSCIM
import Testing

/// The filter property test: thousands of random filters over random users must select exactly
/// the same users in the backend's query language as `SCIMFilterEvaluator` (the reference) does
/// in memory; another tenant's user that matches everything never appears.
enum FilterConformance {
    /// SplitMix64: a seeded generator, so a failure can be replayed.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
        mutating func pick<T>(_ values: [T]) -> T { values[int(values.count)] }
        mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
    }

    static let words = ["al", "AL", "bo", "Bob", "x", "", "a-l", "zed", "Al@x.com", "bo@Y.org"]

    static func randomDocument(_ random: inout Random, index: Int) -> [String: JSONValue] {
        var document: [String: JSONValue] = [
            "userName": .string("\(random.pick(words))\(index)\(random.pick(["", "@acme.com", "@X.org"]))"),
            "role": .string(random.pick(SCIMSchemas.roles)), "active": .bool(random.chance(70)),
        ]
        if random.chance(60) { document["displayName"] = .string(random.pick(words)) }
        if random.chance(50) { document["externalId"] = .string(random.pick(words)) }
        if random.chance(50) { document["title"] = .string(random.pick(words)) }
        if random.chance(60) { document["name"] = .object(["givenName": .string(random.pick(words))]) }
        if random.chance(70) {
            document["emails"] = .array(
                (0..<(1 + random.int(2))).map { _ in
                    var email: [String: JSONValue] = ["value": .string(random.pick(words))]
                    if random.chance(70) { email["type"] = .string(random.pick(["work", "home", "WORK"])) }
                    return .object(email)
                })
        }
        if random.chance(40) { document[SCIMDiscovery.enterpriseSchema] = .object(["department": .string(random.pick(words))]) }
        return document
    }

    static let paths: [SCIMAttributePath] = [
        .init(name: "userName"), .init(name: "displayName"), .init(name: "externalId"), .init(name: "title"), .init(name: "role"),
        .init(name: "active"), .init(name: "emails"), .init(name: "emails", subAttribute: "value"), .init(name: "emails", subAttribute: "type"),
        .init(name: "name", subAttribute: "givenName"), .init(name: "name"), .init(schema: SCIMDiscovery.enterpriseSchema, name: "department"),
        .init(schema: SCIMDiscovery.userSchema, name: "USERNAME"), .init(name: "id"), .init(name: "schemas"),
    ]

    static func randomFilter(_ random: inout Random, depth: Int = 0, inValuePath: Bool = false) -> SCIMFilter {
        let choice = random.int(depth > 2 ? 6 : 11)
        switch choice {
        case 6:
            return .and(
                randomFilter(&random, depth: depth + 1, inValuePath: inValuePath), randomFilter(&random, depth: depth + 1, inValuePath: inValuePath))
        case 7:
            return .or(
                randomFilter(&random, depth: depth + 1, inValuePath: inValuePath), randomFilter(&random, depth: depth + 1, inValuePath: inValuePath))
        case 8: return .not(randomFilter(&random, depth: depth + 1, inValuePath: inValuePath))
        case 9 where !inValuePath: return .valuePath(.init(name: "emails"), randomFilter(&random, depth: depth + 1, inValuePath: true))
        case 10 where !inValuePath:
            // Entra's `emails[type eq "work"].value eq "…"`, with every test.
            let inner: SCIMFilter =
                random.chance(50) ? .compare(.init(name: "type"), .eq, .string("work")) : randomFilter(&random, depth: depth + 1, inValuePath: true)
            let test: SCIMAttributeTest = random.chance(12) ? .present : .compare(random.pick(SCIMComparison.allCases), randomValue(&random))
            return .valuePathAttribute(.init(name: "emails"), inner, subAttribute: random.pick(["value", "type", "Value"]), test)
        default:
            let path = inValuePath ? SCIMAttributePath(name: random.pick(["value", "type"])) : random.pick(paths)
            if random.chance(12) { return .present(path) }
            return .compare(path, random.pick(SCIMComparison.allCases), randomValue(&random))
        }
    }

    static func hasValuePathAttribute(_ filter: SCIMFilter) -> Bool {
        switch filter {
        case .valuePathAttribute: return true
        case .and(let left, let right), .or(let left, let right): return hasValuePathAttribute(left) || hasValuePathAttribute(right)
        case .not(let inner): return hasValuePathAttribute(inner)
        default: return false
        }
    }

    static func randomValue(_ random: inout Random) -> SCIMValue {
        switch random.int(10) {
        case 0: return .bool(random.chance(50))
        case 1: return .null
        default: return .string(random.pick(words + ["al0", "work", "ANALYST", "@acme.com", "b", SCIMDiscovery.enterpriseSchema, "urn:"]))
        }
    }

}

extension StoreConformance {
    static func filterProperty(_ store: any ConformingStore) async throws {
        let (acme, other) = (StoreConformance.freshTenant(), StoreConformance.freshTenant())
        let now = StoreConformance.now
        var random = FilterConformance.Random(state: 20261129)
        var documents: [String: [String: JSONValue]] = [:]
        for index in 0..<120 {
            let (document, fields) = try SCIMUserRules.prepare(FilterConformance.randomDocument(&random, index: index), previous: nil)
            let user = StoredUser(
                tenantID: acme, userName: fields.userName, email: fields.email, role: fields.role, active: fields.active, createdAt: now,
                externalID: fields.externalID, displayName: fields.displayName, document: JSONValue.object(document).jsonText, source: "scim")
            _ = try await store.administration.provision(
                user, adoptExisting: false,
                audit: AuditEntry(
                    at: now, tenantID: acme, actor: "t", resourceType: "User", resourceID: user.id, operation: "create", attributes: []))
            var withID = document
            withID["id"] = .string(user.id)
            documents[user.id] = withID
        }
        // Another tenant's user matches everything and must never appear.
        try await store.createUser(StoredUser(tenantID: other, userName: "al0", email: "al0", role: "ANALYST", createdAt: now))
        let evaluator = SCIMFilterEvaluator(resourceType: .user)
        var compared = 0
        var nonEmpty = 0
        var selectiveValuePathAttributes = 0
        for _ in 0..<1_500 {
            let filter = FilterConformance.randomFilter(&random)
            var expected: Set<String> = []
            var expectedError: SCIMError?
            do {
                try SCIMFilterEvaluator.validate(filter)
                for (id, document) in documents where try evaluator.matches(filter, document) { expected.insert(id) }
            } catch let error as SCIMError {
                expectedError = error
            }
            do {
                let page = try await store.users(tenantID: acme, filter: filter, startIndex: 1, count: 1_000)
                let selected = Set(page.items.map(\.id))
                #expect(expectedError == nil, "SQL accepted what the reference refused: \(SCIMFilterPrinter.print(filter))")
                #expect(selected == expected, "\(SCIMFilterPrinter.print(filter)): SQL \(selected.count), reference \(expected.count)")
                if selected != expected {
                    let differing = selected.symmetricDifference(expected).prefix(2).compactMap { documents[$0] }
                    Issue.record("mismatch on \(SCIMFilterPrinter.print(filter)) for \(differing.map { JSONValue.object($0).jsonText })")
                }
                #expect(page.totalResults == expected.count)
                if selected != expected { break }
                compared += 1
                if !expected.isEmpty && expected.count < documents.count {
                    nonEmpty += 1
                    if FilterConformance.hasValuePathAttribute(filter) { selectiveValuePathAttributes += 1 }
                }
            } catch let error as SCIMError {
                if expectedError?.scimType != error.scimType { Issue.record("SQL refused \(SCIMFilterPrinter.print(filter)): \(error.detail)") }
            }
        }
        // The generator must exercise selective filters, not only all-or-nothing ones.
        #expect(compared > 1_000)
        #expect(nonEmpty > 300)
        #expect(selectiveValuePathAttributes > 30)
    }
}
