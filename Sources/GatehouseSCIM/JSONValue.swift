import Foundation

/// A JSON value as SCIM resources carry it: typed, `Sendable`, comparable, with object keys kept
/// as sent (SCIM attribute names are case-insensitive, so lookups go through `SCIMSchema`).
public enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let bool): try container.encode(bool)
        case .number(let number):
            // Counters and indexes stay integers on the wire.
            if number.rounded() == number, abs(number) < 9e15 { try container.encode(Int64(number)) } else { try container.encode(number) }
        case .string(let string): try container.encode(string)
        case .array(let array): try container.encode(array)
        case .object(let object): try container.encode(object)
        }
    }

    /// Parses a request body; nil when it is not JSON (RFC 8259, see `JSONReader`).
    public static func parse(_ bytes: some Collection<UInt8>) -> JSONValue? {
        JSONReader.read(bytes)
    }

    /// Compact JSON with sorted keys and unescaped slashes.
    public var serialized: Data { Data(JSONWriter.write(self)) }

    /// The text of `serialized`.
    public var jsonText: String { String(decoding: JSONWriter.write(self), as: UTF8.self) }

    public var objectValue: [String: JSONValue]? {
        if case .object(let object) = self { return object }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let array) = self { return array }
        return nil
    }

    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let bool) = self { return bool }
        return nil
    }

    /// Whether the value counts as present (RFC 7644 `pr`): not null, not an empty string,
    /// array or object (stored documents never hold nulls, so this is what SQL can check too).
    public var isPresent: Bool {
        switch self {
        case .null: return false
        case .string(let string): return !string.isEmpty
        case .array(let array): return !array.isEmpty
        case .object(let object): return !object.isEmpty
        case .bool, .number: return true
        }
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// The key matching `name` ignoring case (SCIM attribute names are case-insensitive).
    public func key(matching name: String) -> String? {
        if self[name] != nil { return name }
        let lowered = name.lowercased()
        return keys.first { $0.lowercased() == lowered }
    }

    /// The value of the attribute `name`, ignoring case.
    public func value(forAttribute name: String) -> JSONValue? {
        key(matching: name).flatMap { self[$0] }
    }
}
