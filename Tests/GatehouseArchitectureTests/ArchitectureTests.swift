import Foundation
import Testing

/// `docs/architecture.md` is the picture; this suite holds the code to it: every module is in the
/// picture, imports only what the picture allows, declares what it imports and imports what it
/// declares, and no arrow that `ArchitectureRules` forbids exists.
@Suite struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let manifest = PackageManifest(text: (try? String(contentsOf: root.appending(path: "Package.swift"), encoding: .utf8)) ?? "")
    static let picture = ArchitecturePicture(
        markdown: (try? String(contentsOf: root.appending(path: "docs/architecture.md"), encoding: .utf8)) ?? "")
    /// Declared for linking, not imported by name.
    static let linkOnly: Set<String> = ["CXMLSec"]

    static var swiftTargets: [PackageManifest.Target] { manifest.targets.filter { $0.kind != .systemLibrary && $0.name != "CXMLSecShim" } }

    @Test func theManifestAndThePictureAreRead() {
        let names = Set(Self.manifest.targets.map(\.name))
        #expect(names.isSuperset(of: ["GatehouseProxy", "GatehouseServer", "GatehouseSAML", "Gatehouse"]))
        #expect(Self.picture.allowed.count >= 10)
    }

    @Test func everyModuleIsInThePicture() {
        let modules = Self.swiftTargets.filter { $0.kind != .testTarget }.map(\.name)
        let missing = modules.filter { Self.picture.allowed[$0] == nil }
        #expect(missing.isEmpty, "add these modules to the imports block of docs/architecture.md: \(missing)")
        let stale = Set(Self.picture.allowed.keys).subtracting(modules)
        #expect(stale.isEmpty, "the picture names modules that do not exist: \(stale.sorted())")
    }

    @Test func modulesImportOnlyWhatThePictureAllows() {
        var problems: [String] = []
        for target in Self.swiftTargets where target.kind != .testTarget {
            let allowed = (Self.picture.allowed[target.name] ?? []).union(ArchitecturePicture.system)
            for found in SourceImports.scan(folder: Self.root.appending(path: target.path)) where !allowed.contains(found.module) {
                problems.append("\(target.name)/\(found.file) imports \(found.module)")
            }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// The picture shows the code as it is: an arrow nothing uses is taken out of the page.
    @Test func thePictureHasNoStaleArrows() {
        var problems: [String] = []
        for target in Self.swiftTargets where target.kind != .testTarget {
            let imported = Set(SourceImports.scan(folder: Self.root.appending(path: target.path)).map(\.module))
            for arrow in (Self.picture.allowed[target.name] ?? []).subtracting(imported).sorted() {
                problems.append("the picture says \(target.name) imports \(arrow); nothing does")
            }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func noForbiddenArrow() {
        var problems: [String] = []
        for target in Self.swiftTargets {
            let arrows = Set(SourceImports.scan(folder: Self.root.appending(path: target.path)).map(\.module)).union(target.dependencies)
            for imported in arrows.sorted() {
                if let why = ArchitectureRules.violation(target.name, imports: imported) { problems.append("\(target.name) -> \(imported): \(why)") }
            }
        }
        for (module, allowed) in Self.picture.allowed {
            for imported in allowed.sorted() {
                if let why = ArchitectureRules.violation(module, imports: imported) {
                    problems.append("the picture allows \(module) -> \(imported): \(why)")
                }
            }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func declaredDependenciesAreImportedAndImportsAreDeclared() {
        let ours = Set(Self.manifest.targets.map(\.name))
        var problems: [String] = []
        for target in Self.swiftTargets {
            let imported = Set(SourceImports.scan(folder: Self.root.appending(path: target.path)).map(\.module))
            for dependency in target.dependencies where !imported.contains(dependency) && !Self.linkOnly.contains(dependency) {
                problems.append("\(target.name) declares \(dependency) but never imports it")
            }
            for module in imported.subtracting(ArchitecturePicture.system).subtracting(["Testing", "XCTest"])
            where !target.dependencies.contains(module) && (ours.contains(module) || target.kind != .testTarget) {
                problems.append("\(target.name) imports \(module) without declaring it")
            }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// The checks can fail: each forbidden arrow the issue names is caught.
    @Test(arguments: [
        ("GatehouseSCIM", "Hummingbird"), ("GatehouseSessions", "NIOCore"), ("GatehouseSAML", "GRDB"), ("GatehouseSignIn", "GatehouseSQLite"),
        ("GatehouseProxy", "GatehouseSCIM"), ("Gatehouse", "GatehouseStore"), ("GatehouseServer", "CXMLSec"), ("GatehouseServer", "X509"),
        ("GatehouseStore", "GatehouseSQLite"),
    ])
    func forbiddenArrowsAreCaught(_ module: String, _ imported: String) {
        #expect(ArchitectureRules.violation(module, imports: imported) != nil)
    }

    @Test func allowedArrowsPass() {
        #expect(ArchitectureRules.violation("GatehouseSQLite", imports: "GatehouseSCIM") == nil)
        #expect(ArchitectureRules.violation("GatehouseServer", imports: "GatehouseSQLite") == nil)
        #expect(ArchitectureRules.violation("GatehouseProxy", imports: "NIOCore") == nil)
    }

    @Test func importLinesAreRead() {
        let text = "import Foundation\n@testable import GatehouseProxy\n@preconcurrency import struct NIOCore.ByteBuffer\n// import Not\nlet x = 1\n"
        #expect(SourceImports.parse(text) == ["Foundation", "GatehouseProxy", "NIOCore"])
    }

    @Test func manifestTargetsAreRead() {
        let text = """
            .target(name: "A", dependencies: ["B", .product(name: "NIOCore", package: "swift-nio")], path: "x/y"),
            .testTarget(name: "ATests", dependencies: ["A"]),
            """
        let manifest = PackageManifest(text: text)
        #expect(manifest.targets.map(\.name) == ["A", "ATests"])
        #expect(manifest.targets[0].dependencies.sorted() == ["B", "NIOCore"])
        #expect(manifest.targets[0].path == "x/y")
        #expect(manifest.targets[1].path == "Tests/ATests")
    }
}
