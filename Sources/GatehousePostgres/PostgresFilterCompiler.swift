import Foundation
import GatehouseSCIM
import GatehouseStore
import PostgresNIO

/// Translates a SCIM filter into a PostgreSQL `WHERE` clause with the semantics of
/// `SCIMFilterEvaluator` (its reference), the same shape as SQLite's compiler: indexed columns
/// for `id`, `userName`/`displayName` (folded key columns), `externalId`, `active`, `role` and
/// `meta` dates; jsonb paths over the stored document for everything else (`document_folded`
/// for comparisons that ignore case, so both backends fold with the same Swift function);
/// memberships through `group_members`. Strings order by code point (`COLLATE "C"`, the
/// reference's UTF-8 byte order), whatever the database's locale. Every value is bound.
struct PostgresFilterCompiler: Sendable {
    /// A bound value; `?` in a fragment's SQL stands for the next one.
    enum Argument: Sendable {
        case text(String)
        case textArray([String])
        case int(Int)
        case double(Double)
        case bool(Bool)
        case date(Date)
    }

    struct Fragment: Sendable {
        var sql: String
        var arguments: [Argument]
        /// Whether the SQL can be NULL (then `not` and `or` need COALESCE to stay two-valued).
        var nullable: Bool

        static let never = Fragment(sql: "false", arguments: [], nullable: false)
        static let always = Fragment(sql: "true", arguments: [], nullable: false)

        var strict: String { nullable ? "COALESCE((\(sql)), false)" : "(\(sql))" }
    }

    enum ColumnKind: Sendable {
        /// Holds `SCIMCaseFolding.fold` of the value (compared with a folded operand).
        case folded(String)
        case exact(String)
        case boolean(String)
        case date(String)
        case constant(String)
        /// `EXISTS (SELECT 1 FROM group_members gm WHERE <owner> AND <compare on column>)`.
        case membership(owner: String, column: String)
    }

    let type: SCIMResourceType
    let table: String
    /// Column-backed attribute paths, lower-cased (`username`, `meta.created`, `groups.value`).
    let columns: [String: ColumnKind]
    var aliases = 0

    static let users = PostgresFilterCompiler(
        type: .user, table: "users",
        columns: [
            "id": .exact("users.id"), "username": .folded("users.user_name_key"), "externalid": .exact("users.external_id"),
            "active": .boolean("users.active"), "role": .exact("users.role"), "meta.created": .date("users.created_at"),
            "meta.lastmodified": .date("users.updated_at"), "meta.resourcetype": .constant("User"),
            "groups": .membership(owner: "gm.user_id = users.id", column: "gm.group_id"),
            "groups.value": .membership(owner: "gm.user_id = users.id", column: "gm.group_id"),
        ])

    static let groups = PostgresFilterCompiler(
        type: .group, table: "groups",
        columns: [
            "id": .exact("groups.id"), "displayname": .folded("groups.display_name_key"), "externalid": .exact("groups.external_id"),
            "meta.created": .date("groups.created_at"), "meta.lastmodified": .date("groups.updated_at"),
            "meta.resourcetype": .constant("Group"),
            "members": .membership(owner: "gm.group_id = groups.id", column: "gm.user_id"),
            "members.value": .membership(owner: "gm.group_id = groups.id", column: "gm.user_id"),
        ])

    /// The query with each `?` numbered (`$1`, `$2`, …) and its values bound in order. The
    /// compiler's own SQL never holds a `?` of its own (no jsonb `?` operators, no literals).
    static func query(_ sql: String, _ arguments: [Argument]) throws -> PostgresQuery {
        var numbered = ""
        numbered.reserveCapacity(sql.utf8.count + arguments.count * 2)
        var index = 0
        for character in sql {
            if character == "?" {
                index += 1
                numbered += "$\(index)"
            } else {
                numbered.append(character)
            }
        }
        // A compiler bug, never a user's doing: refuse the query rather than bind values to the wrong places.
        guard index == arguments.count else {
            throw StoreError(.unavailable, context: "filter SQL has \(index) placeholders for \(arguments.count) values")
        }
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .text(let value): bindings.append(value)
            case .textArray(let value): bindings.append(value)
            case .int(let value): bindings.append(value)
            case .double(let value): bindings.append(value)
            case .bool(let value): bindings.append(value)
            case .date(let value): bindings.append(value)
            }
        }
        return PostgresQuery(unsafeSQL: numbered, binds: bindings)
    }

    /// Where paths are read from: the resource, one element of a multi-valued attribute (alias
    /// with `value` and `folded` columns), or a membership row.
    enum Scope {
        case resource
        case element(alias: String, definition: SCIMAttributeDefinition?)
        case membership(column: String)
    }

    mutating func compile(_ filter: SCIMFilter) throws -> Fragment {
        try compile(filter, scope: .resource)
    }

    private mutating func compile(_ filter: SCIMFilter, scope: Scope) throws -> Fragment {
        switch filter {
        case .and(let left, let right):
            let (l, r) = (try compile(left, scope: scope), try compile(right, scope: scope))
            return Fragment(sql: "\(l.strict) AND \(r.strict)", arguments: l.arguments + r.arguments, nullable: false)
        case .or(let left, let right):
            let (l, r) = (try compile(left, scope: scope), try compile(right, scope: scope))
            return Fragment(sql: "\(l.strict) OR \(r.strict)", arguments: l.arguments + r.arguments, nullable: false)
        case .not(let inner):
            let compiled = try compile(inner, scope: scope)
            return Fragment(sql: "NOT \(compiled.strict)", arguments: compiled.arguments, nullable: false)
        case .present(let path):
            return try leaf(path, scope: scope) { value in try value.present() }
        case .compare(let path, let comparison, let operand):
            _ = try SCIMFilterEvaluator.holds(comparison, operand, [], caseExact: false)  // the same operand rules
            if comparison == .ne {
                let equal = try compile(.compare(path, .eq, operand), scope: scope)
                return Fragment(sql: "NOT \(equal.strict)", arguments: equal.arguments, nullable: false)
            }
            if comparison == .eq, operand == .null {
                let present = try compile(.present(path), scope: scope)
                return Fragment(sql: "NOT \(present.strict)", arguments: present.arguments, nullable: false)
            }
            return try leaf(path, scope: scope) { value in try value.compare(comparison, operand) }
        case .valuePath(let path, let inner):
            return try valuePath(path, inner, scope: scope)
        case .valuePathAttribute(let path, let inner, let subAttribute, let test):
            let sub = SCIMAttributePath(name: subAttribute)
            switch test {
            case .compare(.ne, let operand):
                _ = try SCIMFilterEvaluator.holds(.ne, operand, [], caseExact: false)
                let equal = try compile(.valuePathAttribute(path, inner, subAttribute: subAttribute, .compare(.eq, operand)), scope: scope)
                return Fragment(sql: "NOT \(equal.strict)", arguments: equal.arguments, nullable: false)
            case .compare(.eq, .null):
                let present = try compile(.valuePathAttribute(path, inner, subAttribute: subAttribute, .present), scope: scope)
                return Fragment(sql: "NOT \(present.strict)", arguments: present.arguments, nullable: false)
            case .present:
                return try valuePath(path, .and(inner, .present(sub)), scope: scope)
            case .compare(let comparison, let operand):
                return try valuePath(path, .and(inner, .compare(sub, comparison, operand)), scope: scope)
            }
        }
    }

    // MARK: - Leaves

    /// Something a comparison reads: a column or a jsonb location (`path` is a `text[]`).
    enum Operand {
        case column(ColumnKind)
        /// `exact` and `folded` are two jsonb expressions of the same value.
        case json(exact: String, folded: String, path: [String], caseExact: Bool)
        /// The resource's schema URNs: the core one always, an extension's when its object is stored.
        case schemas(SCIMResourceType, document: String)

        func present() throws -> Fragment {
            switch self {
            case .schemas: return .always
            case .column(.constant): return .always
            case .column(.folded(let column)), .column(.exact(let column)):
                return Fragment(sql: "\(column) IS NOT NULL AND \(column) <> ''", arguments: [], nullable: false)
            case .column(.boolean(let column)), .column(.date(let column)):
                return Fragment(sql: "\(column) IS NOT NULL", arguments: [], nullable: false)
            case .column(.membership(let owner, _)):
                return Fragment(sql: "EXISTS (SELECT 1 FROM group_members gm WHERE \(owner))", arguments: [], nullable: false)
            case .json(let exact, _, let path, _):
                // CASE, not AND: PostgreSQL may evaluate either side of an AND first, and
                // jsonb_array_length fails on anything but an array.
                let value = "(\(exact) #> ?::text[])"
                return Fragment(
                    sql: """
                        CASE jsonb_typeof(\(value)) WHEN 'null' THEN false WHEN 'string' THEN (\(value) #>> '{}') <> '' \
                        WHEN 'array' THEN jsonb_array_length(\(value)) > 0 ELSE \(value) IS NOT NULL END
                        """,
                    arguments: Array(repeating: .textArray(path), count: 4), nullable: false)
            }
        }

        func compare(_ comparison: SCIMComparison, _ operand: SCIMValue) throws -> Fragment {
            switch self {
            case .schemas(let type, let document):
                if try SCIMFilterEvaluator.holds(comparison, operand, [.string(type.core.id)], caseExact: false) { return .always }
                let carried = try type.extensions.filter { try SCIMFilterEvaluator.holds(comparison, operand, [.string($0.id)], caseExact: false) }
                guard !carried.isEmpty else { return .never }
                return Fragment(
                    sql: carried.map { _ in "(\(document) #> ?::text[]) IS NOT NULL" }.joined(separator: " OR "),
                    arguments: carried.map { .textArray([$0.id]) }, nullable: false)
            case .column(.constant(let constant)):
                let holds = try SCIMFilterEvaluator.holds(comparison, operand, [.string(constant)], caseExact: true)
                return holds ? .always : .never
            case .column(.folded(let column)):
                guard case .string(let text) = operand else { return .never }
                return Self.text(Self.column(column), comparison, SCIMCaseFolding.fold(text), nullable: false)
            case .column(.exact(let column)):
                guard case .string(let text) = operand else { return .never }
                return Self.text(Self.column(column), comparison, text, nullable: true)
            case .column(.boolean(let column)):
                guard case .bool(let bool) = operand, comparison == .eq else { return .never }
                return Fragment(sql: "\(column) = ?", arguments: [.bool(bool)], nullable: false)
            case .column(.date(let column)):
                guard case .string(let text) = operand, let date = SCIMDateParser.date(text) else {
                    throw SCIMError.invalidFilter("meta dates compare with an RFC 3339 date-time string")
                }
                guard let symbol = Self.ordering[comparison] else {
                    throw SCIMError.invalidFilter("meta dates take eq, gt, ge, lt or le")
                }
                return Fragment(sql: "\(column) \(symbol) ?", arguments: [.date(date)], nullable: false)
            case .column(.membership(let owner, let column)):
                guard case .string(let text) = operand else { return .never }
                let inner = Self.text(Self.column(column), comparison, text, nullable: false)
                return Fragment(
                    sql: "EXISTS (SELECT 1 FROM group_members gm WHERE \(owner) AND \(inner.sql))", arguments: inner.arguments, nullable: false)
            case .json(let exact, let folded, let path, let caseExact):
                let typed = "jsonb_typeof(\(exact) #> ?::text[])"
                switch operand {
                case .string(let text):
                    let source = caseExact ? exact : folded
                    let extracted = Fragment(sql: "(\(source) #>> ?::text[])", arguments: [.textArray(path)], nullable: true)
                    let compared = Self.text(extracted, comparison, caseExact ? text : SCIMCaseFolding.fold(text), nullable: true)
                    return Fragment(
                        sql: "\(typed) = 'string' AND (\(compared.sql))", arguments: [.textArray(path)] + compared.arguments, nullable: true)
                case .number(let text):
                    guard let number = Double(text), let symbol = Self.ordering[comparison] else { return .never }
                    return Fragment(
                        sql: "CASE WHEN \(typed) = 'number' THEN (\(exact) #>> ?::text[])::float8 \(symbol) ? ELSE false END",
                        arguments: [.textArray(path), .textArray(path), .double(number)], nullable: false)
                case .bool(let bool):
                    return Fragment(
                        sql: "(\(exact) #> ?::text[]) = ?::jsonb", arguments: [.textArray(path), .text(bool ? "true" : "false")], nullable: true)
                case .null:
                    return .never
                }
            }
        }

        static let ordering: [SCIMComparison: String] = [.eq: "=", .gt: ">", .ge: ">=", .lt: "<", .le: "<="]

        /// A string comparison of `expression` with `text` in code point order; the
        /// expression's arguments are repeated wherever it appears.
        static func text(_ expression: Fragment, _ comparison: SCIMComparison, _ text: String, nullable: Bool) -> Fragment {
            let (e, a) = (expression.sql, expression.arguments)
            switch comparison {
            case .co: return Fragment(sql: "strpos(\(e), ?) > 0", arguments: a + [.text(text)], nullable: nullable)
            case .sw: return Fragment(sql: "starts_with(\(e), ?)", arguments: a + [.text(text)], nullable: nullable)
            case .ew: return Fragment(sql: "right(\(e), length(?)) = ?", arguments: a + [.text(text), .text(text)], nullable: nullable)
            case .eq: return Fragment(sql: "\(e) = ?", arguments: a + [.text(text)], nullable: nullable)
            default:
                return Fragment(sql: "\(e) COLLATE \"C\" \(ordering[comparison] ?? "=") ?", arguments: a + [.text(text)], nullable: nullable)
            }
        }

        static func column(_ name: String) -> Fragment { Fragment(sql: name, arguments: [], nullable: false) }
    }

    private var document: String { "\(table).document_json" }
    private var foldedDocument: String { "\(table).document_folded" }

    private mutating func leaf(_ path: SCIMAttributePath, scope: Scope, _ build: (Operand) throws -> Fragment) throws -> Fragment {
        switch scope {
        case .membership(let column):
            guard path.schema == nil, path.subAttribute == nil, path.name.lowercased() == "value" else {
                throw SCIMError.invalidFilter("members and groups filter on value only")
            }
            return try build(.column(.exact(column)))
        case .element(let alias, let definition):
            guard path.schema == nil else { throw SCIMError.invalidFilter("a value filter names sub-attributes only") }
            let sub = definition?.subAttribute(path.name)
            return try build(
                .json(exact: "\(alias).value", folded: "\(alias).folded", path: [sub?.name ?? path.name], caseExact: sub?.caseExact ?? false))
        case .resource:
            break
        }
        if path.isSchemas { return try build(.schemas(type, document: document)) }
        let isCore = path.schema == nil || path.schema?.lowercased() == type.core.id.lowercased()
        if isCore {
            let key = ([path.name] + (path.subAttribute.map { [$0] } ?? [])).joined(separator: ".").lowercased()
            if let column = columns[key] { return try build(.column(column)) }
            if path.name.lowercased() == "meta" { throw SCIMError.invalidFilter("meta filters on created, lastModified or resourceType") }
        }
        guard let location = type.locate(schema: path.schema, name: path.name) else {
            throw SCIMError.invalidFilter("\(path.name) is not an attribute of \(type.name)")
        }
        let base = (location.container.map { [$0] } ?? []) + [location.name]
        let definition = location.definition
        if definition?.multiValued == true {
            let subName = path.subAttribute ?? (definition?.type == .complex ? "value" : nil)
            let alias = nextAlias()
            let sub = subName.flatMap { definition?.subAttribute($0) }
            let operand: Operand =
                subName.map {
                    .json(exact: "\(alias).value", folded: "\(alias).folded", path: [sub?.name ?? $0], caseExact: sub?.caseExact ?? false)
                } ?? .json(exact: "\(alias).value", folded: "\(alias).folded", path: [], caseExact: definition?.caseExact ?? false)
            let inner = try build(operand)
            let (from, arguments) = elements(of: base, alias: alias)
            return Fragment(sql: "EXISTS (SELECT 1 FROM \(from) WHERE \(inner.strict))", arguments: arguments + inner.arguments, nullable: false)
        }
        var components = base
        var caseExact = definition?.caseExact ?? false
        if let subName = path.subAttribute {
            let sub = definition?.subAttribute(subName)
            components.append(sub?.name ?? subName)
            caseExact = sub?.caseExact ?? false
        }
        return try build(.json(exact: document, folded: foldedDocument, path: components, caseExact: caseExact))
    }

    /// The elements of the array at `path`, each with its folded twin (`alias.value`,
    /// `alias.folded`); nothing when the value there is not an array.
    private func elements(of path: [String], alias: String) -> (String, [Argument]) {
        let exact = "(\(document) #> ?::text[])"
        let folded = "(\(foldedDocument) #> ?::text[])"
        let sql = """
            ROWS FROM (jsonb_array_elements(CASE jsonb_typeof(\(exact)) WHEN 'array' THEN \(exact) ELSE '[]'::jsonb END), \
            jsonb_array_elements(CASE jsonb_typeof(\(folded)) WHEN 'array' THEN \(folded) ELSE '[]'::jsonb END)) AS \(alias)(value, folded)
            """
        return (sql, Array(repeating: .textArray(path), count: 4))
    }

    private mutating func valuePath(_ path: SCIMAttributePath, _ inner: SCIMFilter, scope: Scope) throws -> Fragment {
        guard case .resource = scope else { throw SCIMError.invalidFilter("value filters do not nest") }
        let isCore = path.schema == nil || path.schema?.lowercased() == type.core.id.lowercased()
        if isCore, case .membership(let owner, let column)? = columns[path.name.lowercased()] {
            let compiled = try compile(inner, scope: .membership(column: column))
            return Fragment(
                sql: "EXISTS (SELECT 1 FROM group_members gm WHERE \(owner) AND \(compiled.strict))", arguments: compiled.arguments, nullable: false)
        }
        guard let location = type.locate(schema: path.schema, name: path.name), location.definition?.multiValued ?? true else {
            throw SCIMError.invalidFilter("\(path.name) is not a multi-valued attribute of \(type.name)")
        }
        let alias = nextAlias()
        let compiled = try compile(inner, scope: .element(alias: alias, definition: location.definition))
        let base = (location.container.map { [$0] } ?? []) + [location.name]
        let (from, arguments) = elements(of: base, alias: alias)
        return Fragment(
            sql: "EXISTS (SELECT 1 FROM \(from) WHERE jsonb_typeof(\(alias).value) = 'object' AND \(compiled.strict))",
            arguments: arguments + compiled.arguments, nullable: false)
    }

    private mutating func nextAlias() -> String {
        aliases += 1
        return "e\(aliases)"
    }
}
