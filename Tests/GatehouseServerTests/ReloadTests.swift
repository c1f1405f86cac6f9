import Foundation
import Testing

@Suite struct ReloadTests {
    @Test func aReloadAppliesNewPublicPathsOnOpenConnections() async throws {
        try await TestGatehouse.with(extraYAML: "public_paths: [\"^/old/\"]\n") { gatehouse in
            let port = gatehouse.ports.proxy
            let before = try await RawHTTP.statuses(port: port, ["/new/a"])
            #expect(before == ["/new/a": 302])
            let yaml = try String(contentsOfFile: gatehouse.configFile, encoding: .utf8)
            try yaml.replacingOccurrences(of: "^/old/", with: "^/new/").write(toFile: gatehouse.configFile, atomically: true, encoding: .utf8)
            #expect(gatehouse.application.reloader.reload(reason: "test"))
            let after = try await RawHTTP.statuses(port: port, ["/new/a", "/old/a"])
            #expect(after == ["/new/a": 200, "/old/a": 302])
        }
    }

    @Test func aChangedFileIsNoticedWithoutASignal() async throws {
        try await TestGatehouse.with(extraYAML: "public_paths: [\"^/old/\"]\n") { gatehouse in
            let yaml = try String(contentsOfFile: gatehouse.configFile, encoding: .utf8)
            try yaml.replacingOccurrences(of: "^/old/", with: "^/new/").write(toFile: gatehouse.configFile, atomically: true, encoding: .utf8)
            // The watcher polls every 50 ms here; wait (bounded) for it to apply the change.
            var applied = false
            for _ in 0..<200 where !applied {
                applied = gatehouse.application.reloader.configuration.publicPaths == ["^/new/"]
                if !applied { try await Task.sleep(for: .milliseconds(25)) }
            }
            #expect(applied)
            let statuses = try await RawHTTP.statuses(port: gatehouse.ports.proxy, ["/new/a"])
            #expect(statuses == ["/new/a": 200])
        }
    }

    @Test func anInvalidFileKeepsThePreviousConfiguration() async throws {
        try await TestGatehouse.with(extraYAML: "public_paths: [\"^/old/\"]\n") { gatehouse in
            try "upstream: nonsense\n".write(toFile: gatehouse.configFile, atomically: true, encoding: .utf8)
            #expect(!gatehouse.application.reloader.reload(reason: "test"))
            let statuses = try await RawHTTP.statuses(port: gatehouse.ports.proxy, ["/old/a"])
            #expect(statuses == ["/old/a": 200])
            let metrics = try await RawHTTP.get(port: gatehouse.ports.admin, "/metrics").body
            // Refused at least once (the explicit reload; the file watcher may refuse it too), never applied.
            #expect(!metrics.contains(#"gatehouse_config_reloads_total{result="failure"} 0"#))
            #expect(metrics.contains(#"gatehouse_config_reloads_total{result="success"} 0"#))
        }
    }

    @Test func restartOnlyChangesAreReportedAndNotApplied() async throws {
        try await TestGatehouse.with(extraYAML: "public_paths: [\"^/old/\"]\n") { gatehouse in
            let yaml = try String(contentsOfFile: gatehouse.configFile, encoding: .utf8)
            try yaml.replacingOccurrences(of: "listen: 127.0.0.1:0\nadmin", with: "listen: 127.0.0.1:1\nadmin")
                .write(toFile: gatehouse.configFile, atomically: true, encoding: .utf8)
            #expect(gatehouse.application.reloader.reload(reason: "test"))
            #expect(gatehouse.application.reloader.configuration.listen.port == 0)
        }
    }
}
