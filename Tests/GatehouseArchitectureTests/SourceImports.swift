import Foundation

/// The modules each Swift file under a folder imports (`import X`, `@testable import X`,
/// `@preconcurrency import X`, `import struct X.Y`), with the file that does.
enum SourceImports {
    struct Import: Equatable {
        var module: String
        var file: String
    }

    static func scan(folder: URL) -> [Import] {
        guard let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        var imports: [Import] = []
        for case let file as URL in files where file.pathExtension == "swift" {
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            imports += parse(text).map { Import(module: $0, file: file.lastPathComponent) }
        }
        return imports
    }

    /// The imported module names of one file's text.
    static func parse(_ text: String) -> [String] {
        let line = #/^\s*(?:@\w+\s+)*import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)/#
        return text.split(separator: "\n").compactMap { $0.firstMatch(of: line).map { String($0.1) } }
    }
}
