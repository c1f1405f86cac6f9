import Foundation
import GatehouseServer
import Testing

@Suite struct AccessLogTests {
    @Test func eachRequestIsOneJSONLineWithoutQueriesCookiesOrTokens() async throws {
        let path = NSTemporaryDirectory() + "gatehouse-access-\(UUID().uuidString).log"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let sink = LogSink(fileDescriptor: handle.fileDescriptor)
        try await TestGatehouse.with(extraYAML: "public_paths: [\"^/public/\"]\n", accessLog: true, sink: sink) { gatehouse in
            _ = try await RawHTTP.get(
                port: gatehouse.ports.proxy, "/public/page?token=s3cret",
                headers: ["Cookie: gatehouse_session=c00kie", "Authorization: Bearer t0ken", "X-Request-Id: req-42"]
            )
            _ = try await RawHTTP.get(port: gatehouse.ports.proxy, "/private")
        }
        sink.flush()
        try handle.close()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for secret in ["s3cret", "c00kie", "t0ken"] { #expect(!text.contains(secret)) }
        let lines = text.split(separator: "\n").map(String.init).filter { $0.contains(#""msg":"request""#) }
        #expect(lines.count == 2)
        let first = try #require(lines.first { $0.contains("req-42") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        #expect(object["request_id"] as? String == "req-42")
        #expect(object["method"] as? String == "GET")
        #expect(object["path"] as? String == "/public/page")
        #expect(object["status"] as? Int == 200)
        #expect(object["route"] as? String == "upstream")
        #expect((object["duration_ms"] as? Double ?? -1) >= 0)
        #expect((object["ts"] as? String)?.hasSuffix("Z") == true)
        let second = try #require(lines.first { !$0.contains("req-42") })
        #expect(second.contains(#""status":302"#) && second.contains(#""route":"gate""#))
    }
}
