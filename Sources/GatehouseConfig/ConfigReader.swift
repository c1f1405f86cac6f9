/// Reads a `ConfigTree` field by field, collecting every problem with its path instead of
/// stopping at the first one, and reporting keys that nothing read (typos) as problems too.
final class ConfigReader {
    private(set) var problems: [ConfigProblem] = []
    /// Every key path asked for, list indexes written `[]` (the reference's drift test reads it).
    private(set) var keysRead: Set<String> = []
    let readFile: (String) throws -> String

    init(readFile: @escaping (String) throws -> String) {
        self.readFile = readFile
    }

    func noteRead(_ path: String) {
        var normalized = ""
        var inIndex = false
        for character in path {
            if character == "[" {
                inIndex = true
                normalized.append("[]")
            } else if character == "]" {
                inIndex = false
            } else if !inIndex {
                normalized.append(character)
            }
        }
        keysRead.insert(normalized)
    }

    func report(_ path: String, _ message: String) {
        problems.append(ConfigProblem(path: path, message: message))
    }

    /// A view on one map in the tree.
    func section(_ tree: ConfigTree?, at path: String) -> ConfigSection {
        switch tree {
        case .map(let pairs)?:
            return ConfigSection(reader: self, path: path, pairs: pairs)
        case .scalar(_, isNull: true)?, nil:
            return ConfigSection(reader: self, path: path, pairs: [])
        default:
            report(path, "must be a mapping")
            return ConfigSection(reader: self, path: path, pairs: [])
        }
    }
}

/// One mapping of the configuration, read key by key.
final class ConfigSection {
    let reader: ConfigReader
    let path: String
    private let pairs: [(key: String, value: ConfigTree)]
    private var readKeys: Set<String> = []

    init(reader: ConfigReader, path: String, pairs: [(key: String, value: ConfigTree)]) {
        self.reader = reader
        self.path = path
        self.pairs = pairs
        var seen: Set<String> = []
        for pair in pairs where !seen.insert(pair.key).inserted {
            reader.report(child(pair.key), "appears more than once")
        }
    }

    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func has(_ key: String) -> Bool {
        guard let value = raw(key) else { return false }
        if case .scalar(_, isNull: true) = value { return false }
        return true
    }

    func raw(_ key: String) -> ConfigTree? {
        readKeys.insert(key)
        reader.noteRead(child(key))
        return pairs.last(where: { $0.key == key })?.value
    }

    /// A scalar, or nil when absent or null; a list or map in its place is a problem.
    func string(_ key: String) -> String? {
        switch raw(key) {
        case nil, .scalar(_, isNull: true)?: return nil
        case .scalar(let text, _)?: return text
        default:
            reader.report(child(key), "must be a single value")
            return nil
        }
    }

    func requiredString(_ key: String) -> String? {
        let value = string(key)
        if value == nil || value?.isEmpty == true { reader.report(child(key), "is required") }
        return value?.isEmpty == true ? nil : value
    }

    func bool(_ key: String, default fallback: Bool) -> Bool {
        guard let text = string(key) else { return fallback }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            reader.report(child(key), "must be true or false, not \"\(text)\"")
            return fallback
        }
    }

    func int(_ key: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
        guard let text = string(key) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            reader.report(child(key), "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return fallback
        }
        return value
    }

    func duration(_ key: String, default fallback: Duration) -> Duration {
        guard let text = string(key) else { return fallback }
        guard let value = DurationParser.parse(text), value > .zero else {
            reader.report(child(key), "must be a positive duration such as 500ms, 30s, 15m or 8h, not \"\(text)\"")
            return fallback
        }
        return value
    }

    /// A list of scalars; a single scalar is not silently promoted.
    func stringList(_ key: String) -> [String] {
        switch raw(key) {
        case nil, .scalar(_, isNull: true)?: return []
        case .list(let items)?:
            var strings: [String] = []
            for (index, item) in items.enumerated() {
                if case .scalar(let text, false) = item {
                    strings.append(text)
                } else {
                    reader.report("\(child(key))[\(index)]", "must be a single value")
                }
            }
            return strings
        default:
            reader.report(child(key), "must be a list")
            return []
        }
    }

    func section(_ key: String) -> ConfigSection { reader.section(raw(key), at: child(key)) }

    func sections(_ key: String) -> [ConfigSection] {
        switch raw(key) {
        case nil, .scalar(_, isNull: true)?: return []
        case .list(let items)?:
            return items.enumerated().map { reader.section($1, at: "\(child(key))[\($0)]") }
        default:
            reader.report(child(key), "must be a list")
            return []
        }
    }

    /// A secret given inline (`key`) or in a file (`key_file`); the file wins, both is a problem.
    func secret(_ key: String) -> String? {
        let inline = string(key)
        guard let file = string("\(key)_file") else { return inline }
        if inline != nil { reader.report(child(key), "set either \(key) or \(key)_file, not both") }
        do {
            return try reader.readFile(file).trimmingTrailingNewlines()
        } catch {
            reader.report(child("\(key)_file"), "cannot read \(file): \(error)")
            return nil
        }
    }

    /// Reports every key present that nothing read.
    func finish() {
        for pair in pairs where !readKeys.contains(pair.key) {
            reader.report(child(pair.key), "unknown key")
        }
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = Substring(self)
        while let last = text.last, last == "\n" || last == "\r" { text = text.dropLast() }
        return String(text)
    }
}
