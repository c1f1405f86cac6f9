/// The dashboard's roles: what SCIM's `role` accepts, what config rules and `jit_default_role`
/// may name, what the CLI sets and the dev IdP offers.
public enum DashboardRole {
    public static let all = ["ADMINISTRATOR", "MANAGER", "DEVELOPER", "DESIGNER", "SUPPORT_SPECIALIST", "ANALYST"]
}
