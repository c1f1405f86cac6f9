extension GatehouseConfiguration {
    /// What every Gatehouse cookie name starts with: `session.cookie_prefix`, behind `__Host-` when
    /// `public_url` is https (the browser then keeps such a cookie only when it is Secure, has
    /// `Path=/` and no `Domain`, so no sibling subdomain or plain-http page can plant or shadow it).
    public var cookieNamePrefix: String { publicURL.isHTTPS ? "__Host-" + session.cookiePrefix : session.cookiePrefix }
}
