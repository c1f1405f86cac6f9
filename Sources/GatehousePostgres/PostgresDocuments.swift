import Foundation
import GatehouseSCIM

/// The copy of a stored SCIM document that filters read for case-insensitive comparisons: every
/// string value folded with `SCIMCaseFolding.fold`, the same Swift function the reference
/// evaluator and SQLite use (PostgreSQL's `lower()` follows the database's locale instead).
enum PostgresDocuments {
    static func folded(_ document: String?) -> String? {
        guard let document, let value = JSONValue.parse(Array(document.utf8)) else { return nil }
        return fold(value).jsonText
    }

    static func fold(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(SCIMCaseFolding.fold(text))
        case .array(let items): return .array(items.map(fold))
        case .object(let members): return .object(members.mapValues(fold))
        case .null, .bool, .number: return value
        }
    }
}

/// Resource dates as SCIM shows them and SQLite keeps them: whole milliseconds, so that
/// `meta.lastModified eq "<a value from a GET>"` matches on both backends (PostgreSQL would keep
/// microseconds).
enum PostgresDates {
    static func milliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
