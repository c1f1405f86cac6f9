import Foundation
import GatehouseSignIn
import Testing

@testable import GatehouseSAML

/// The ACS outcome, one case each, with a frozen `now` and an in-memory directory.
@Suite struct AccountLinkingTests {
    static let now = Date(timeIntervalSince1970: 1_750_000_000)
    static let roles: Set<String> = ["ADMINISTRATOR", "MANAGER", "ANALYST"]
    static let alice = SignInAccount(id: "u-1", tenantID: "acme", email: "alice@acme.com", role: "ANALYST", active: true)

    static func assertion(email: String = "Alice@ACME.com", role: String? = nil, tenant: String = "acme") -> ValidatedAssertion {
        ValidatedAssertion(
            tenantID: tenant, assertionID: "_a1", nameID: email, email: email, idpUserID: nil, sessionIndex: nil, sessionNotOnOrAfter: nil,
            inResponseTo: nil, role: role)
    }

    static func settings(scim: Bool, roleFromAssertion: Bool = false, jit: String? = nil) -> SignInSettings {
        SignInSettings(
            provisionsWithSCIM: scim, roleFromAssertion: roleFromAssertion, justInTimeRole: jit, allowedRoles: roles,
            justInTimeEmailDomains: ["acme.com", "Acme.example"])
    }

    @Test func aProvisionedAccountIsLinkedByEmailIgnoringCaseWithItsStoredRole() async throws {
        let directory = InMemorySignInDirectory([Self.alice])
        let outcome = try await AccountLinking(directory: directory).outcome(
            for: Self.assertion(role: "ADMINISTRATOR"), settings: Self.settings(scim: true), now: Self.now)
        #expect(outcome == .linked(Self.alice, previousRole: nil))
        #expect(outcome.signedIn?.role == "ANALYST")
        #expect(directory.roleChanges.isEmpty)
    }

    @Test func anAccountOfAnotherTenantIsNotLinked() async throws {
        let directory = InMemorySignInDirectory([Self.alice])
        let outcome = try await AccountLinking(directory: directory).outcome(
            for: Self.assertion(tenant: "globex"), settings: Self.settings(scim: true), now: Self.now)
        #expect(outcome == .notProvisioned)
    }

    @Test func aTenantWithoutSCIMCreatesTheAccountWithTheDefaultRole() async throws {
        let directory = InMemorySignInDirectory()
        let outcome = try await AccountLinking(directory: directory).outcome(
            for: Self.assertion(email: "bob@acme.com"), settings: Self.settings(scim: false, jit: "MANAGER"), now: Self.now)
        let created = SignInAccount(id: "jit-1", tenantID: "acme", email: "bob@acme.com", role: "MANAGER", active: true)
        #expect(outcome == .createdJustInTime(created))
        #expect(directory.accounts == [created])
    }

    /// A tenant's IdP asserts any email it likes; an account is made just in time only under the
    /// tenant's own domains, whether the role is the default or asserted.
    @Test(arguments: [
        "ceo@othercorp.com", "alice@acme.com.evil.example", "alice@sub.acme.com", "alice@", "alice", "alice@acme.com@othercorp.com",
        "alice@acme.co", "ceo@othercorp.com@acme.com", #""ceo@othercorp.com"@acme.com"#, "x@\u{212A}cme.com", "ceo@othercorp.com (x)@acme.com",
        "@acme.com", "alice@acme.com\n", "alice@acme.com.",
    ])
    func noAccountIsCreatedJustInTimeOutsideTheTenantsDomains(email: String) async throws {
        for settings in [Self.settings(scim: false, jit: "ANALYST"), Self.settings(scim: false, roleFromAssertion: true)] {
            let directory = InMemorySignInDirectory()
            let outcome = try await AccountLinking(directory: directory).outcome(
                for: Self.assertion(email: email, role: "MANAGER"), settings: settings, now: Self.now)
            #expect(outcome == .emailOutsideTenantDomains, "\(email)")
            #expect(outcome.signedIn == nil)
            #expect(try await directory.account(tenantID: "acme", email: email) == nil, "\(email)")
        }
    }

    @Test(arguments: ["alice@acme.com", "Alice@ACME.COM", "bob@acme.example", "o'brien+dash@acme.com"])
    func anEmailUnderTheTenantsDomainsIsCreatedJustInTime(email: String) async throws {
        let outcome = try await AccountLinking(directory: InMemorySignInDirectory()).outcome(
            for: Self.assertion(email: email), settings: Self.settings(scim: false, jit: "ANALYST"), now: Self.now)
        guard case .createdJustInTime(let account) = outcome else {
            Issue.record("\(email): \(outcome)")
            return
        }
        #expect(account.role == "ANALYST")
    }

    @Test func aTenantWithSCIMNeverCreatesAnAccount() async throws {
        let directory = InMemorySignInDirectory()
        let outcome = try await AccountLinking(directory: directory).outcome(
            for: Self.assertion(email: "bob@acme.com"), settings: Self.settings(scim: true, jit: "MANAGER"), now: Self.now)
        #expect(outcome == .notProvisioned)
        #expect(directory.accounts.isEmpty)
    }

    @Test func withoutSCIMAndWithoutADefaultRoleNobodyIsCreated() async throws {
        let directory = InMemorySignInDirectory()
        let outcome = try await AccountLinking(directory: directory).outcome(
            for: Self.assertion(email: "bob@acme.com"), settings: Self.settings(scim: false), now: Self.now)
        #expect(outcome == .notProvisioned)
        #expect(directory.accounts.isEmpty)
    }

    @Test func aDeactivatedAccountIsRefused() async throws {
        var inactive = Self.alice
        inactive.active = false
        let directory = InMemorySignInDirectory([inactive])
        let outcome = try await AccountLinking(directory: directory).outcome(
            for: Self.assertion(), settings: Self.settings(scim: false, jit: "MANAGER"), now: Self.now)
        #expect(outcome == .deactivated(inactive))
        #expect(outcome.signedIn == nil)
        #expect(directory.accounts == [inactive])
    }

    @Test func theAssertedRoleReplacesTheStoredOneOnATenantWithoutSCIM() async throws {
        let directory = InMemorySignInDirectory([Self.alice])
        let outcome = try await AccountLinking(directory: directory).outcome(
            for: Self.assertion(role: "manager"), settings: Self.settings(scim: false, roleFromAssertion: true), now: Self.now)
        var promoted = Self.alice
        promoted.role = "MANAGER"
        #expect(outcome == .linked(promoted, previousRole: "ANALYST"))
        #expect(directory.roleChanges == [.init(accountID: "u-1", role: "MANAGER", at: Self.now)])
    }

    @Test func theAssertedRoleIsTheRoleOfAJustInTimeAccount() async throws {
        let directory = InMemorySignInDirectory()
        let outcome = try await AccountLinking(directory: directory).outcome(
            for: Self.assertion(email: "bob@acme.com", role: "ADMINISTRATOR"), settings: Self.settings(scim: false, roleFromAssertion: true),
            now: Self.now)
        #expect(
            outcome == .createdJustInTime(SignInAccount(id: "jit-1", tenantID: "acme", email: "bob@acme.com", role: "ADMINISTRATOR", active: true)))
    }

    @Test(arguments: [nil, "OWNER", ""])
    func aMissingOrUnknownAssertedRoleRefusesTheSignIn(role: String?) async throws {
        let directory = InMemorySignInDirectory([Self.alice])
        let outcome = try await AccountLinking(directory: directory).outcome(
            for: Self.assertion(role: role), settings: Self.settings(scim: false, roleFromAssertion: true, jit: "ANALYST"), now: Self.now)
        #expect(outcome == .roleRefused(asserted: role))
        #expect(directory.roleChanges.isEmpty)
    }

    @Test func aTenantWithSCIMIgnoresTheAssertedRole() async throws {
        let directory = InMemorySignInDirectory([Self.alice])
        let outcome = try await AccountLinking(directory: directory).outcome(
            for: Self.assertion(role: "OWNER"), settings: Self.settings(scim: true, roleFromAssertion: true), now: Self.now)
        #expect(outcome == .linked(Self.alice, previousRole: nil))
        #expect(directory.roleChanges.isEmpty)
    }
}
