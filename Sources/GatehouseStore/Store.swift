/// Gatehouse's persistent state, whatever the backend.
///
/// Later capabilities (sessions, replay cache, users, SCIM, audit) add protocols beside this one;
/// each backend implements them all and runs the same conformance expectations.
public protocol Store: UserStore, SessionStore, AssertionIDStore, ProvisioningStore {
    /// Backend name for logs and metrics (`sqlite`, `postgres`).
    var backendName: String { get }

    /// Answers when the store can serve reads and writes; throws otherwise. Drives `/readyz`.
    func ping() async throws

    /// The applied migration names, oldest first.
    func appliedMigrations() async throws -> [String]

    /// Small named values (cached IdP metadata, key material references), kept across restarts.
    func setting(_ key: String) async throws -> [UInt8]?

    /// Stores or replaces a named value durably.
    func setSetting(_ key: String, value: [UInt8]) async throws

    /// Releases connections; the store is unusable afterwards.
    func close() async throws
}

/// A store failure with a stable code; the context is for logs.
public struct StoreError: Error, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case unavailable = "store.unavailable"
        case unsupportedBackend = "store.unsupported_backend"
        case migrationFailed = "store.migration_failed"
        /// A uniqueness rule refused the write (a userName taken in that tenant).
        case conflict = "store.conflict"
        /// A reference (a group member) names nothing the tenant has.
        case invalidReference = "store.invalid_reference"
    }

    public let code: Code
    public let context: String

    public init(_ code: Code, context: String) {
        self.code = code
        self.context = context
    }

    /// The same failure when the codes match; the context is only diagnostics.
    public static func == (lhs: StoreError, rhs: StoreError) -> Bool { lhs.code == rhs.code }

    public var description: String { "\(code.rawValue): \(context)" }
}
