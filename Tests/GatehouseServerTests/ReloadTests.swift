import Foundation
import Testing

@Suite struct ReloadTests {
    @Test func aReloadAppliesNewPublicPathsOnOpenConnections() async throws {
        try await TestGatehouse.with(extraYAML: "public_paths: [\"^/old/\"]\n") { gatehouse in
            let port = gatehouse.ports.proxy
            let answer1 = try await RawHTTP.get(port: port, "/new/a")
            #expect(answer1.status == 302)
            let yaml = try String(contentsOfFile: gatehouse.configFile, encoding: .utf8)
            try yaml.replacingOccurrences(of: "^/old/", with: "^/new/").write(toFile: gatehouse.configFile, atomically: true, encoding: .utf8)
            #expect(gatehouse.application.reloader.reload(reason: "test"))
            let answer2 = try await RawHTTP.get(port: port, "/new/a")
            #expect(answer2.status == 200)
            let answer3 = try await RawHTTP.get(port: port, "/old/a")
            #expect(answer3.status == 302)
        }
    }

    @Test func anInvalidFileKeepsThePreviousConfiguration() async throws {
        try await TestGatehouse.with(extraYAML: "public_paths: [\"^/old/\"]\n") { gatehouse in
            try "upstream: nonsense\n".write(toFile: gatehouse.configFile, atomically: true, encoding: .utf8)
            #expect(!gatehouse.application.reloader.reload(reason: "test"))
            let answer4 = try await RawHTTP.get(port: gatehouse.ports.proxy, "/old/a")
            #expect(answer4.status == 200)
            let metrics = try await RawHTTP.get(port: gatehouse.ports.admin, "/metrics").body
            #expect(metrics.contains(#"gatehouse_config_reloads_total{result="failure"} 1"#))
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
