import GatehouseBasics

/// The parameters of a list or `.search` request (RFC 7644 §3.4.2–3.4.3).
public struct SCIMListQuery: Sendable, Equatable {
    public var filter: SCIMFilter?
    public var startIndex: Int = 1
    public var count: Int = SCIMDiscovery.maximumResults
    public var attributes: [String] = []
    public var excludedAttributes: [String] = []

    public init() {}

    /// From query parameters (already form-decoded).
    public init(query: [String: String]) throws {
        let lowered = Dictionary(query.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        try self.init(
            filter: lowered["filter"], startIndex: lowered["startindex"], count: lowered["count"],
            attributes: Self.list(lowered["attributes"]), excluded: Self.list(lowered["excludedattributes"]))
    }

    /// From a SearchRequest body.
    public init(search body: JSONValue) throws {
        guard let fields = body.objectValue else { throw SCIMError.invalidSyntax("The body must be a SearchRequest object.") }
        func text(_ name: String) throws -> String? {
            switch fields.value(forAttribute: name) {
            case nil, .null?: return nil
            case .string(let value)?: return value
            case .number(let number)? where number.rounded() == number: return String(Int64(number))
            default: throw SCIMError.invalidValue("\(name) has the wrong type.")
            }
        }
        func names(_ name: String) throws -> [String] {
            switch fields.value(forAttribute: name) {
            case nil, .null?: return []
            case .string(let value)?: return Self.list(value)
            case .array(let values)?: return values.compactMap(\.stringValue)
            default: throw SCIMError.invalidValue("\(name) must be a list of attribute names.")
            }
        }
        try self.init(
            filter: try text("filter"), startIndex: try text("startIndex"), count: try text("count"), attributes: try names("attributes"),
            excluded: try names("excludedAttributes"))
    }

    private init(filter: String?, startIndex: String?, count: String?, attributes: [String], excluded: [String]) throws {
        if let filter, !filter.trimmingWhitespaces().isEmpty {
            let parsed: SCIMFilter
            do { parsed = try SCIMFilterParser.parse(filter) } catch { throw SCIMError.invalidFilter(error.description) }
            try SCIMFilterEvaluator.validate(parsed)
            try SCIMControlCharacters.check(parsed)
            self.filter = parsed
        }
        if let startIndex {
            guard let value = Int(startIndex.trimmingWhitespaces()) else {
                throw SCIMError.invalidValue("startIndex must be an integer.")
            }
            self.startIndex = max(1, value)
        }
        if let count {
            guard let value = Int(count.trimmingWhitespaces()) else { throw SCIMError.invalidValue("count must be an integer.") }
            self.count = min(max(0, value), SCIMDiscovery.maximumResults)
        }
        self.attributes = attributes
        self.excludedAttributes = excluded
    }

    static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingWhitespaces() }.filter { !$0.isEmpty }
    }
}
