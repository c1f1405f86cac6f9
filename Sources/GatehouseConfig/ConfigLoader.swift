#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Loads, overrides and validates the configuration, reporting every problem at once.
public enum ConfigLoader {
    /// Environment variables that are not configuration keys.
    static let nonConfigurationVariables: Set<String> = ["GATEHOUSE_CONFIG"]

    /// Reads the YAML file (if any), applies `GATEHOUSE_*` overrides from `environment`, validates.
    public static func load(
        file: String?, environment: [String: String], readFile: @escaping @Sendable (String) throws -> String = ConfigLoader.readTextFile
    ) -> Result<GatehouseConfiguration, ConfigProblems> {
        var tree = ConfigTree.map([])
        if let file {
            do {
                tree = try ConfigTree.parse(yaml: try readFile(file))
            } catch {
                return .failure(ConfigProblems([ConfigProblem(path: "", message: "cannot read \(file): \(error)")]))
            }
        }
        var problems: [ConfigProblem] = []
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) {
            guard name.hasPrefix("GATEHOUSE_"), !nonConfigurationVariables.contains(name) else { continue }
            let path = keyPath(forEnvironmentVariable: name)
            do {
                tree = tree.setting(try overrideValue(value), at: path[...])
            } catch {
                problems.append(ConfigProblem(path: path.joined(separator: "."), message: "\(name) is not valid YAML: \(error)"))
            }
        }
        return validate(tree: tree, readFile: readFile, earlierProblems: problems)
    }

    /// `GATEHOUSE_SESSION__IDLE_TIMEOUT` → `session.idle_timeout`; `GATEHOUSE_SESSION_SECRET` → `session.secret`.
    static func keyPath(forEnvironmentVariable name: String) -> [String] {
        let key = name.dropFirst("GATEHOUSE_".count).lowercased()
        switch key {
        case "session_secret": return ["session", "secret"]
        case "session_secret_file": return ["session", "secret_file"]
        default: return key.components(separatedBy: "__")
        }
    }

    /// Lists and maps may be given as YAML flow (`[a, b]`); anything else is a plain string.
    private static func overrideValue(_ text: String) throws -> ConfigTree {
        if text.hasPrefix("[") || text.hasPrefix("{") { return try ConfigTree.parse(yaml: text) }
        return .scalar(text, isNull: false)
    }

    public static func parse(yaml: String, readFile: @escaping @Sendable (String) throws -> String = ConfigLoader.readTextFile)
        -> Result<GatehouseConfiguration, ConfigProblems>
    {
        do {
            return validate(tree: try ConfigTree.parse(yaml: yaml), readFile: readFile, earlierProblems: [])
        } catch {
            return .failure(ConfigProblems([ConfigProblem(path: "", message: "not valid YAML: \(error)")]))
        }
    }

    @Sendable public static func readTextFile(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The key paths the validator asks for while reading `yaml` (for the reference's drift test).
    static func keysRead(yaml: String, readFile: @escaping (String) throws -> String) throws -> Set<String> {
        let reader = ConfigReader(readFile: readFile)
        _ = ConfigValidator(reader: reader).configuration(from: reader.section(try ConfigTree.parse(yaml: yaml), at: ""))
        return reader.keysRead
    }

    static func validate(tree: ConfigTree, readFile: @escaping (String) throws -> String, earlierProblems: [ConfigProblem])
        -> Result<GatehouseConfiguration, ConfigProblems>
    {
        let reader = ConfigReader(readFile: readFile)
        let config = ConfigValidator(reader: reader).configuration(from: reader.section(tree, at: ""))
        let problems = earlierProblems + reader.problems
        if let config, problems.isEmpty { return .success(config) }
        return .failure(ConfigProblems(problems))
    }
}
