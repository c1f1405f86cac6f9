import Foundation
import GatehouseSAML

/// The ACS outcome: links a validated assertion to the tenant's account by email (ignoring
/// case), applies a role from the assertion where the tenant takes one, creates the account at
/// a first sign-in where the tenant allows it (just in time), and refuses otherwise.
public struct AccountLinking: Sendable {
    private let directory: any SignInDirectory

    public init(directory: any SignInDirectory) {
        self.directory = directory
    }

    /// The outcome for `assertion` on its tenant; throws only when the directory fails.
    public func outcome(for assertion: ValidatedAssertion, settings: SignInSettings, now: Date) async throws -> SignInOutcome {
        let tenantID = assertion.tenantID
        // A tenant without SCIM may take the role from the assertion; a value that is not an
        // allowed role refuses the sign-in rather than guessing.
        var assertedRole: String?
        if settings.roleFromAssertion, !settings.provisionsWithSCIM {
            guard let role = assertion.role?.uppercased(), settings.allowedRoles.contains(role) else {
                return .roleRefused(asserted: assertion.role)
            }
            assertedRole = role
        }
        if var existing = try await directory.account(tenantID: tenantID, email: assertion.email) {
            var previousRole: String?
            if let role = assertedRole, existing.role != role {
                try await directory.setRole(accountID: existing.id, role: role, at: now)
                previousRole = existing.role
                existing.role = role
            }
            return existing.active ? .linked(existing, previousRole: previousRole) : .deactivated(existing)
        }
        guard !settings.provisionsWithSCIM, let role = assertedRole ?? settings.justInTimeRole else { return .notProvisioned }
        guard settings.isTenantEmail(assertion.email) else { return .emailOutsideTenantDomains }
        let created = try await directory.createJustInTimeAccount(tenantID: tenantID, email: assertion.email, role: role, at: now)
        return created.active ? .createdJustInTime(created) : .deactivated(created)
    }
}
