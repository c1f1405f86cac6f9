import GatehouseConfig
import Hummingbird

/// The request context of `/scim/v2/{t}/…`: what `SCIMAuthentication` found out about the caller
/// (the tenant its bearer token belongs to, the audit actor), for the endpoints after it.
struct SCIMRequestContext: ChildRequestContext {
    var coreContext: CoreRequestContextStorage
    /// Set by `SCIMAuthentication`; an endpoint never runs without it.
    var caller: SCIMCaller?

    init(context: BasicRequestContext) {
        coreContext = context.coreContext
    }
}

/// An authenticated SCIM client: its tenant, the tenant's base URL and the token's audit id.
struct SCIMCaller: Sendable {
    let tenant: TenantConfiguration
    let baseURL: String
    let actor: String
    let maximumBodyBytes: Int
}
