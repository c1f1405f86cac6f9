import Foundation

/// The targets of `Package.swift`, read as text: name, kind, folder and declared dependencies.
///
/// A reader of the manifest's own shape (`.target(name: "X", dependencies: [...], path: "...")`),
/// enough for the architecture test; it fails loudly when it finds no targets.
struct PackageManifest {
    struct Target: Equatable {
        enum Kind: String { case target, executableTarget, testTarget, systemLibrary }
        var name: String
        var kind: Kind
        var path: String
        /// Our targets and products of packages, by module name.
        var dependencies: [String]
    }

    var targets: [Target]

    init(text: String) {
        var targets: [Target] = []
        let opening = #/\.(target|executableTarget|testTarget|systemLibrary)\(/#
        var rest = text[...]
        while let match = rest.firstMatch(of: opening) {
            let body = Self.balanced(rest[match.range.upperBound...], open: "(", close: ")")
            rest = rest[match.range.upperBound...]
            guard let kind = Target.Kind(rawValue: String(match.1)), let name = body.firstMatch(of: #/name:\s*"([^"]+)"/#) else { continue }
            let path = body.firstMatch(of: #/path:\s*"([^"]+)"/#).map { String($0.1) }
            var dependencies: [String] = []
            if let start = body.firstMatch(of: #/dependencies:\s*\[/#) {
                var list = String(Self.balanced(body[start.range.upperBound...], open: "[", close: "]"))
                for product in list.matches(of: #/\.product\(\s*name:\s*"([^"]+)"[^)]*\)/#) { dependencies.append(String(product.1)) }
                list = list.replacing(#/\.product\([^)]*\)/#, with: "")
                for plain in list.matches(of: #/"([^"]+)"/#) { dependencies.append(String(plain.1)) }
            }
            let folder = path ?? (kind == .testTarget ? "Tests/\(name.1)" : "Sources/\(name.1)")
            targets.append(Target(name: String(name.1), kind: kind, path: folder, dependencies: dependencies))
        }
        self.targets = targets
    }

    /// The text up to the bracket that closes the one just before `text`.
    private static func balanced(_ text: Substring, open: Character, close: Character) -> Substring {
        var depth = 1
        var inString = false
        for index in text.indices {
            let character = text[index]
            if character == "\"" { inString.toggle() }
            if inString { continue }
            if character == open { depth += 1 }
            if character == close {
                depth -= 1
                if depth == 0 { return text[..<index] }
            }
        }
        return text
    }
}
