import Foundation
import GRDB
import GatehouseSCIM

/// Translates a SCIM filter into an SQLite `WHERE` clause with the semantics of
/// `SCIMFilterEvaluator` (its reference): indexed columns for `id`, `userName`/`displayName`
/// (lower-cased key columns), `externalId`, `active`, `role` and `meta` dates; `json_extract` /
/// `json_each` over the stored document for everything else; memberships through
/// `group_members`. `userName eq` stays a bare indexed comparison so the unique index serves it.
struct SQLiteFilterCompiler: Sendable {
    struct Fragment: Sendable {
        var sql: String
        var arguments: [DatabaseValue]
        /// Whether the SQL can be NULL (then `not` and `or` need COALESCE to stay two-valued).
        var nullable: Bool

        init(sql: String, arguments: [any DatabaseValueConvertible], nullable: Bool) {
            self.sql = sql
            self.arguments = arguments.map(\.databaseValue)
            self.nullable = nullable
        }

        static let never = Fragment(sql: "0", arguments: [], nullable: false)
        static let always = Fragment(sql: "1", arguments: [], nullable: false)

        var strict: String { nullable ? "COALESCE((\(sql)), 0)" : "(\(sql))" }
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
    /// Column-backed attribute paths, lower-cased (`username`, `meta.created`, `groups.value`).
    let columns: [String: ColumnKind]
    var aliases = 0

    /// Built once; each query copies it (its alias counter is per query).
    static let users =
        SQLiteFilterCompiler(
            type: .user,
            columns: [
                "id": .exact("users.id"), "username": .folded("users.user_name_key"), "externalid": .exact("users.external_id"),
                "active": .boolean("users.active"), "role": .exact("users.role"), "meta.created": .date("users.created_at"),
                "meta.lastmodified": .date("users.updated_at"), "meta.resourcetype": .constant("User"),
                "groups": .membership(owner: "gm.user_id = users.id", column: "gm.group_id"),
                "groups.value": .membership(owner: "gm.user_id = users.id", column: "gm.group_id"),
            ])

    static let groups =
        SQLiteFilterCompiler(
            type: .group,
            columns: [
                "id": .exact("groups.id"), "displayname": .folded("groups.display_name_key"), "externalid": .exact("groups.external_id"),
                "meta.created": .date("groups.created_at"), "meta.lastmodified": .date("groups.updated_at"),
                "meta.resourcetype": .constant("Group"),
                "members": .membership(owner: "gm.group_id = groups.id", column: "gm.user_id"),
                "members.value": .membership(owner: "gm.group_id = groups.id", column: "gm.user_id"),
            ])

    /// Where paths are read from: the resource, one element of a multi-valued attribute inside
    /// `json_each` (alias), or a membership row.
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
            // `ne` and `eq null` negate the whole test (no matching element equals / has the
            // sub-attribute); every other test joins the inner filter on the same element.
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

    /// Something a comparison reads: a column or a JSON location.
    enum Operand {
        case column(ColumnKind)
        case json(document: String, path: String, caseExact: Bool)
        /// The resource's schema URNs: the core one always, an extension's when its object is stored.
        case schemas(SCIMResourceType)

        func present() throws -> Fragment {
            switch self {
            case .schemas: return .always
            case .column(.constant): return .always
            case .column(.folded(let column)), .column(.exact(let column)):
                return Fragment(sql: "\(column) IS NOT NULL AND \(column) != ''", arguments: [], nullable: false)
            case .column(.boolean(let column)), .column(.date(let column)):
                return Fragment(sql: "\(column) IS NOT NULL", arguments: [], nullable: false)
            case .column(.membership(let owner, _)):
                return Fragment(sql: "EXISTS (SELECT 1 FROM group_members gm WHERE \(owner))", arguments: [], nullable: false)
            case .json(let document, let path, _):
                let type = "json_type(\(document), ?)"
                return Fragment(
                    sql: "\(type) IS NOT NULL AND \(type) != 'null' AND NOT (\(type) = 'text' AND json_extract(\(document), ?) = '')"
                        + " AND NOT (\(type) = 'array' AND json_array_length(\(document), ?) = 0)",
                    arguments: [path, path, path, path, path, path], nullable: true)
            }
        }

        func compare(_ comparison: SCIMComparison, _ operand: SCIMValue) throws -> Fragment {
            switch self {
            case .schemas(let type):
                if try SCIMFilterEvaluator.holds(comparison, operand, [.string(type.core.id)], caseExact: false) { return .always }
                let carried = try type.extensions.filter { try SCIMFilterEvaluator.holds(comparison, operand, [.string($0.id)], caseExact: false) }
                guard !carried.isEmpty else { return .never }
                let paths = carried.map { SQLiteFilterCompiler.jsonPath([$0.id]) }
                return Fragment(
                    sql: paths.map { _ in "json_type(document, ?) IS NOT NULL" }.joined(separator: " OR "), arguments: paths, nullable: false)
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
                return Fragment(sql: "\(column) = ?", arguments: [bool], nullable: false)
            case .column(.date(let column)):
                guard case .string(let text) = operand, let date = SCIMDateParser.date(text) else {
                    throw SCIMError.invalidFilter("meta dates compare with an RFC 3339 date-time string")
                }
                guard let symbol = Self.ordering[comparison] else {
                    throw SCIMError.invalidFilter("meta dates take eq, gt, ge, lt or le")
                }
                return Fragment(sql: "\(column) \(symbol) ?", arguments: [date], nullable: false)
            case .column(.membership(let owner, let column)):
                guard case .string(let text) = operand else { return .never }
                let inner = Self.text(Self.column(column), comparison, text, nullable: false)
                return Fragment(
                    sql: "EXISTS (SELECT 1 FROM group_members gm WHERE \(owner) AND \(inner.sql))", arguments: inner.arguments, nullable: false)
            case .json(let document, let path, let caseExact):
                let type = "json_type(\(document), ?)"
                let value = "json_extract(\(document), ?)"
                switch operand {
                case .string(let text):
                    let extracted = Fragment(sql: caseExact ? value : "scim_fold(\(value))", arguments: [path], nullable: true)
                    let compared = Self.text(extracted, comparison, caseExact ? text : SCIMCaseFolding.fold(text), nullable: true)
                    return Fragment(sql: "\(type) = 'text' AND (\(compared.sql))", arguments: [path] + compared.arguments, nullable: true)
                case .number(let text):
                    guard let number = Double(text), let symbol = Self.ordering[comparison] else { return .never }
                    return Fragment(sql: "\(type) IN ('integer', 'real') AND \(value) \(symbol) ?", arguments: [path, path, number], nullable: true)
                case .bool(let bool):
                    return Fragment(sql: "\(type) = ?", arguments: [path, bool ? "true" : "false"], nullable: true)
                case .null:
                    return .never
                }
            }
        }

        static let ordering: [SCIMComparison: String] = [.eq: "=", .gt: ">", .ge: ">=", .lt: "<", .le: "<="]

        /// A string comparison of `expression` with `text`; the expression's arguments are
        /// repeated wherever it appears.
        static func text(_ expression: Fragment, _ comparison: SCIMComparison, _ text: String, nullable: Bool) -> Fragment {
            let (e, a) = (expression.sql, expression.arguments)
            switch comparison {
            case .co: return Fragment(sql: "instr(\(e), ?) > 0", arguments: a + [text], nullable: nullable)
            case .sw: return Fragment(sql: "substr(\(e), 1, length(?)) = ?", arguments: a + [text, text], nullable: nullable)
            case .ew:
                return Fragment(
                    sql: "length(\(e)) >= length(?) AND substr(\(e), length(\(e)) - length(?) + 1) = ?",
                    arguments: a + [text] + a + a + [text, text], nullable: nullable)
            default:
                return Fragment(sql: "\(e) \(ordering[comparison] ?? "=") ?", arguments: a + [text], nullable: nullable)
            }
        }

        static func column(_ name: String) -> Fragment { Fragment(sql: name, arguments: [], nullable: false) }
    }

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
            return try build(.json(document: "\(alias).value", path: Self.jsonPath([sub?.name ?? path.name]), caseExact: sub?.caseExact ?? false))
        case .resource:
            break
        }
        if path.isSchemas { return try build(.schemas(type)) }
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
                subName.map { .json(document: "\(alias).value", path: Self.jsonPath([sub?.name ?? $0]), caseExact: sub?.caseExact ?? false) }
                ?? .json(document: "\(alias).value", path: "$", caseExact: definition?.caseExact ?? false)
            let inner = try build(operand)
            return Fragment(
                sql: "EXISTS (SELECT 1 FROM json_each(document, ?) AS \(alias) WHERE \(inner.strict))",
                arguments: [Self.jsonPath(base)] + inner.arguments, nullable: false)
        }
        var components = base
        var caseExact = definition?.caseExact ?? false
        if let subName = path.subAttribute {
            let sub = definition?.subAttribute(subName)
            components.append(sub?.name ?? subName)
            caseExact = sub?.caseExact ?? false
        }
        return try build(.json(document: "document", path: Self.jsonPath(components), caseExact: caseExact))
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
        return Fragment(
            sql: "EXISTS (SELECT 1 FROM json_each(document, ?) AS \(alias) WHERE \(alias).type = 'object' AND \(compiled.strict))",
            arguments: [Self.jsonPath(base)] + compiled.arguments, nullable: false)
    }

    private mutating func nextAlias() -> String {
        aliases += 1
        return "e\(aliases)"
    }

    /// `$."a"."b"`, quoting each name (attribute names never contain quotes; URNs neither).
    static func jsonPath(_ components: [String]) -> String {
        "$" + components.map { ".\"\($0.replacingOccurrences(of: "\"", with: ""))\"" }.joined()
    }
}
