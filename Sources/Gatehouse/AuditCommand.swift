import ArgumentParser
import Foundation
import GatehouseConfig
import GatehouseServer

/// `gatehouse audit`: reads the append-only log of provisioning changes (SCIM and the CLI),
/// oldest first, as tab-separated lines or JSON lines.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the audit log of user and group changes (who, what, when).")

    @OptionGroup var options: ConfigOptions
    @Option(help: "Only this tenant's entries.") var tenant: String?
    @Option(help: "Only entries after this sequence number (for following the log).") var after: Int64 = 0
    @Option(help: "At most this many entries.") var limit: Int = 1_000
    @Flag(help: "One JSON object per line instead of tab-separated columns.") var json = false

    func run() async throws {
        let configuration = try options.load()
        let tool = try await UserAdministrationTool.open(configuration)
        let entries = try await tool.audit(tenantID: tenant, after: after, limit: max(1, limit))
        try await tool.close()
        for entry in entries {
            let at = entry.at.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            if json {
                let object: [String: Any] = [
                    "sequence": entry.sequence, "at": at, "tenant": entry.tenantID, "actor": entry.actor, "resource_type": entry.resourceType,
                    "resource_id": entry.resourceID, "operation": entry.operation, "attributes": entry.attributes,
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(
                    [
                        String(entry.sequence), at, entry.tenantID, entry.actor, entry.resourceType, entry.resourceID, entry.operation,
                        entry.attributes.joined(separator: ","),
                    ].joined(separator: "\t"))
            }
        }
    }
}
