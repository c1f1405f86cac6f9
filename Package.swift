// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "gatehouse",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gatehouse", targets: ["Gatehouse"]),
        .executable(name: "demo-upstream", targets: ["DemoUpstreamMain"]),
        .executable(name: "saml-benchmark", targets: ["SAMLBenchmark"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // libxml2 + xmlsec1-openssl, imported as-is; only GatehouseXML and the shim see it.
        .systemLibrary(
            name: "CXMLSec",
            pkgConfig: "xmlsec1-openssl",
            providers: [.apt(["libxml2-dev", "libxmlsec1-dev"])]
        ),
        .target(
            name: "CXMLSecShim",
            dependencies: ["CXMLSec"],
            cSettings: []
        ),
        .target(name: "GatehouseXML", dependencies: ["GatehouseBasics", "CXMLSecShim"], swiftSettings: strict),
        // zlib, for the raw DEFLATE of the HTTP-Redirect binding (zlib1g-dev).
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Small value helpers every module may share: coded errors, percent/base64url encoding, durations, roles.
        .target(name: "GatehouseBasics", swiftSettings: strict),
        .testTarget(name: "GatehouseBasicsTests", dependencies: ["GatehouseBasics"], swiftSettings: strict),
        // Holds the code to docs/architecture.md: reads Package.swift and the import lines.
        .testTarget(name: "GatehouseArchitectureTests", swiftSettings: strict),
        .target(
            name: "GatehouseSAML",
            dependencies: [
                "GatehouseBasics",
                "GatehouseXML", "CZlib", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // What every backend shares (settings, migrations, ping, close); a lifecycle Service.
        .target(
            name: "GatehouseStore", dependencies: ["GatehouseBasics", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: strict),
        // The ACS outcome (linking, JIT, roles): domain code with its own directory port.
        .target(name: "GatehouseSignIn", dependencies: ["GatehouseSAML"], swiftSettings: strict),
        .testTarget(name: "GatehouseSignInTests", dependencies: ["GatehouseSignIn", "GatehouseSAML"], swiftSettings: strict),
        // A backend: implements the shared Store and the domain ports (directory, sessions, replay cache).
        .target(
            name: "GatehouseSQLite",
            dependencies: [
                "GatehouseStore", "GatehouseSCIM", "GatehouseSessions", "GatehouseSAML", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // A backend for several replicas: the same ports on PostgreSQL (postgres-nio), revocations pushed with LISTEN/NOTIFY.
        .target(
            name: "GatehousePostgres",
            dependencies: [
                "GatehouseBasics", "GatehouseStore", "GatehouseSCIM", "GatehouseSessions", "GatehouseSAML",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatehousePostgresTests",
            dependencies: [
                "GatehousePostgres", "GatehouseStoreTesting", "GatehouseStore", "GatehouseSCIM", "GatehouseSessions", "GatehouseConfig",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        // The storage conformance suite every backend runs (a library, so any backend's tests can import it).
        .target(
            name: "GatehouseStoreTesting", dependencies: ["GatehouseStore", "GatehouseSCIM", "GatehouseSessions", "GatehouseSAML"],
            swiftSettings: strict),
        .target(
            name: "GatehouseConfig",
            dependencies: ["GatehouseBasics", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(
            name: "GatehouseProxy",
            dependencies: [
                "GatehouseBasics",
                "GatehouseConfig",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "GatehouseServer",
            dependencies: [
                "GatehouseBasics",
                "GatehouseConfig", "GatehouseProxy", "GatehouseStore", "GatehouseSQLite", "GatehousePostgres", "GatehouseSAML", "GatehouseSessions",
                "GatehouseSCIM", "GatehouseSignIn",
                // For `DevIdPLauncher` only: the dev IdP (and X509) stay out of the production code.
                "GatehouseDevIdP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // `gatehouse dev-idp`: a development IdP with its own pages and a self-signed certificate.
        .target(
            name: "GatehouseDevIdP",
            dependencies: [
                "GatehouseBasics",
                "GatehouseSAML", "GatehouseXML",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "GatehouseDevIdPTests", dependencies: ["GatehouseDevIdP", "GatehouseSAML", "GatehouseXML"], swiftSettings: strict),
        .executableTarget(
            name: "Gatehouse",
            dependencies: [
                "GatehouseServer", "GatehouseConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // The demo upstream for `make run`, `make bench` and the proxy tests: echoes what it received.
        .target(
            name: "DemoUpstream",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "examples/demo-upstream/Sources/DemoUpstream",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "DemoUpstreamMain",
            dependencies: ["DemoUpstream"],
            path: "examples/demo-upstream/Sources/demo-upstream",
            swiftSettings: strict
        ),
        // ACS validation throughput for `make bench`.
        .executableTarget(
            name: "SAMLBenchmark", dependencies: ["GatehouseSAML", "GatehouseXML"], path: "bench/saml-benchmark", swiftSettings: strict),
        .target(name: "GatehouseSCIM", dependencies: ["GatehouseBasics", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        .testTarget(name: "GatehouseSCIMTests", dependencies: ["GatehouseSCIM"], swiftSettings: strict),
        .target(
            name: "GatehouseSessions",
            dependencies: ["GatehouseBasics", .product(name: "Crypto", package: "swift-crypto"), .product(name: "JWTKit", package: "jwt-kit")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatehouseSessionsTests", dependencies: ["GatehouseBasics", "GatehouseSessions", .product(name: "JWTKit", package: "jwt-kit")],
            swiftSettings: strict),
        // Everything that reads untrusted SAML, for libFuzzer (`make fuzz-saml`) and the crasher replay test.
        .target(name: "GatehouseFuzzing", dependencies: ["GatehouseSAML", "GatehouseXML"], swiftSettings: strict),
        .executableTarget(name: "SAMLFuzzer", dependencies: ["GatehouseFuzzing"], path: "fuzz/saml", swiftSettings: strict),
        .testTarget(name: "GatehouseXMLTests", dependencies: ["GatehouseXML"], swiftSettings: strict),
        .testTarget(
            name: "GatehouseSAMLTests", dependencies: ["GatehouseSAML", "GatehouseXML", "GatehouseFuzzing", "GatehouseTestSupport"],
            exclude: ["Fixtures/generate.py"],
            resources: [.copy("Fixtures")], swiftSettings: strict
        ),
        .testTarget(name: "GatehouseConfigTests", dependencies: ["GatehouseConfig"], swiftSettings: strict),
        // Child processes for tests without Foundation's Process (ChildProcess.swift says why).
        .target(name: "CChildProcess", path: "Tests/CChildProcess"),
        .target(name: "GatehouseTestSupport", dependencies: ["CChildProcess"], path: "Tests/GatehouseTestSupport", swiftSettings: strict),
        .testTarget(
            name: "GatehouseSQLiteTests",
            dependencies: [
                "GatehouseSQLite", "GatehouseStoreTesting", "GatehouseStore", "GatehouseSCIM",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // The proxy without sockets: its state machine, and the front handler on EmbeddedChannel.
        .testTarget(
            name: "GatehouseProxyTests",
            dependencies: [
                "GatehouseProxy", "GatehouseConfig",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GatehouseServerTests",
            dependencies: [
                "GatehouseServer", "GatehouseConfig", "GatehouseProxy", "GatehouseSAML", "GatehouseXML", "GatehouseDevIdP",
                "GatehouseSessions", "GatehouseSCIM", "GatehouseStore", "DemoUpstream", "GatehouseTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
    ]
)
