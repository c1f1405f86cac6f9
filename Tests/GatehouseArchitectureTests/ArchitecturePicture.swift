import Foundation

/// The import rules of `docs/architecture.md`: the fenced block tagged `imports`, one line per
/// module, `Module: A, B, C` (what it may import besides the system modules everyone may).
struct ArchitecturePicture {
    var allowed: [String: Set<String>]
    /// Modules every target may import.
    static let system: Set<String> = ["Foundation", "FoundationEssentials", "Dispatch", "Glibc", "Musl", "Darwin", "Synchronization"]

    init(markdown: String) {
        var allowed: [String: Set<String>] = [:]
        var inBlock = false
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                inBlock = trimmed == "```imports" ? true : false
                continue
            }
            guard inBlock, let colon = trimmed.firstIndex(of: ":") else { continue }
            let module = String(trimmed[..<colon])
            let list = trimmed[trimmed.index(after: colon)...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            allowed[module] = Set(list.filter { !$0.isEmpty && $0 != "-" })
        }
        self.allowed = allowed
    }
}
