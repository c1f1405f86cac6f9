import Foundation
import GatehouseSAML
import GatehouseXML

// ACS validation throughput on one core: the whole ordered validation of a ~6 KB Okta-shaped
// response, signed by signxml. Usage: saml-benchmark FIXTURES_DIR [SECONDS]

/// Every assertion counts as fresh: the benchmark measures validation, not the replay store.
struct NoReplayCache: AssertionReplayCache {
    func remember(assertionID: String, tenantID: String, until expiry: Date, now: Date) async throws -> Bool { true }
    func purgeExpiredAssertionIDs(now: Date) async throws -> Int { 0 }
}

let arguments = CommandLine.arguments
let directory = arguments.count > 1 ? arguments[1] : "Tests/GatehouseSAMLTests/Fixtures"
let seconds = arguments.count > 2 ? Double(arguments[2]) ?? 5 : 5
let response = try Array(Data(contentsOf: URL(fileURLWithPath: "\(directory)/okta-full-profile.xml")))
let certificate = try String(contentsOfFile: "\(directory)/idp.crt", encoding: .utf8)
let context = SAMLTenantContext(
    tenantID: "acme", idpEntityID: "http://www.okta.com/exk123", spEntityID: "https://dash.example.com/sso/saml/acme/metadata",
    acsURL: "https://dash.example.com/sso/saml/acme/acs", keys: try XMLSignatureKeys(certificatesPEM: [certificate])
)
let validator = SAMLResponseValidator(context: context, replayCache: NoReplayCache())
let now = Date(timeIntervalSince1970: 1_795_953_660)

// Off the main actor, as a request handler would run it, so the loop measures validation and
// not a hop between executors per call.
let (count, elapsed) = try await Task.detached {
    _ = try await validator.validate(responseXML: response, pendingRequestIDs: ["id-request-1"], now: now)
    let clock = ContinuousClock()
    let start = clock.now
    var count = 0
    while clock.now - start < .seconds(seconds) {
        for _ in 0..<50 { _ = try await validator.validate(responseXML: response, pendingRequestIDs: ["id-request-1"], now: now) }
        count += 50
    }
    return (count, clock.now - start)
}.value
let rate = Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
print("response_bytes \(response.count)")
print(String(format: "validations_per_second %.0f", rate))
