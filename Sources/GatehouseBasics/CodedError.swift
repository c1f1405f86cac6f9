/// A stable, machine-readable reason (`saml.audience`, `store.conflict`): what logs, metrics and
/// tests compare.
public protocol ErrorCode: Sendable, Equatable {
    /// The dotted name written to logs and metrics.
    var name: String { get }
}

extension ErrorCode where Self: RawRepresentable, RawValue == String {
    public var name: String { rawValue }
}

/// The shape of every refusal Gatehouse logs: a `code` and a private `context`.
///
/// The context is diagnostics for the log only (never document content, secrets or anything shown
/// to a client), so two errors are the same refusal when their codes are.
public protocol CodedError: Error, Equatable, CustomStringConvertible, Sendable {
    associatedtype Code: ErrorCode
    var code: Code { get }
    var context: String { get }
}

extension CodedError {
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    public var description: String { context.isEmpty ? code.name : "\(code.name): \(context)" }
}
