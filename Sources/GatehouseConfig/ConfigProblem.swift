/// One thing wrong with a configuration, at a field path such as `tenants[0].email_domains[1]`.
public struct ConfigProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path.isEmpty ? "(top level)" : path): \(message)" }
}

/// Every problem found in a configuration, reported together.
public struct ConfigProblems: Error, Sendable, CustomStringConvertible {
    public let problems: [ConfigProblem]

    public init(_ problems: [ConfigProblem]) { self.problems = problems }

    public var description: String {
        (["configuration has \(problems.count) problem\(problems.count == 1 ? "" : "s"):"] + problems.map { "  - \($0)" })
            .joined(separator: "\n")
    }
}
