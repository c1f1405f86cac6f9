/// Every configuration key with its default and meaning: the source of `docs/configuration.md`
/// (`gatehouse config-reference` prints it; a test fails when the file drifts, or when the
/// validator reads a key this list does not document, or documents one it does not read).
public enum ConfigReference {
    /// One row of the reference: keys documented together, their default, what they do.
    public struct Entry: Sendable {
        /// Full key paths (`tenants[].id`); `[]` stands for any list item.
        public let keys: [String]
        /// Markdown, empty when there is none.
        public let defaultValue: String
        /// Markdown.
        public let meaning: String
    }

    /// The reference's sections, in order.
    public struct Group: Sendable {
        public let title: String
        public let entries: [Entry]
    }

    public static let groups: [Group] = [
        Group(
            title: "Listeners and URLs",
            entries: [
                Entry(
                    keys: ["listen"], defaultValue: #"`0.0.0.0:8080`"#,
                    meaning: #"proxy, sign-in and SCIM listener (`HOST:PORT`; port 0 picks a free one)"#),
                Entry(keys: ["admin_listen"], defaultValue: #"`0.0.0.0:9090`"#, meaning: #"`/healthz`, `/readyz`, `/metrics`"#),
                Entry(
                    keys: ["public_url"], defaultValue: #"required"#,
                    meaning: #"how people reach the dashboard, e.g. `https://dash.example.com` (no path)"#),
                Entry(keys: ["upstream"], defaultValue: #"required"#, meaning: #"the app, plain `http://HOST:PORT`"#),
                Entry(keys: ["sso_prefix"], defaultValue: #"`/sso`"#, meaning: #"prefix of the sign-in URLs"#),
                Entry(
                    keys: ["trusted_proxies"], defaultValue: #"`[]`"#,
                    meaning: #"CIDRs whose `X-Forwarded-For/Proto/Host` are believed; from anyone else they are replaced"#),
            ]),
        Group(
            title: "Store",
            entries: [
                Entry(
                    keys: ["store"], defaultValue: #"required"#,
                    meaning:
                        #"`sqlite:PATH` (one replica) or `postgres://USER@HOST:PORT/DB?sslmode=disable|require|verify-full[&sslrootcert=PATH]` (several replicas); see [storage.md](storage.md)"#
                ),
                Entry(
                    keys: ["store_password_file", "store_password"], defaultValue: #""#,
                    meaning: #"PostgreSQL password (file wins; `GATEHOUSE_STORE_PASSWORD` sets `store_password`; else the URL's)"#),
                Entry(keys: ["store_pool_size"], defaultValue: #"`16`"#, meaning: #"PostgreSQL connections per replica, at most"#),
                Entry(
                    keys: ["store_pool_min"], defaultValue: #"`4`"#,
                    meaning:
                        #"PostgreSQL connections each replica keeps open (at most `store_pool_size`), pinged every 30 s while idle; the others close after 60 s idle"#
                ),
                Entry(keys: ["store_timeout"], defaultValue: #"`5s`"#, meaning: #"every store call answers or fails (503) by then"#),
                Entry(
                    keys: ["housekeeping_interval"], defaultValue: #"`5m`"#,
                    meaning: #"expired sessions, replay entries and removed tenants' metadata are purged this often, by one replica at a time"#),
            ]),
        Group(
            title: "Paths and rules",
            entries: [
                Entry(
                    keys: ["public_paths"], defaultValue: #"`[]`"#,
                    meaning:
                        #"regexes matched against the **path only** (never the query); `^/literal` and `^/literal$` are compiled to plain comparisons; a path is public only when the spelling as sent and every other reading of it match (see [proxy.md, "Paths"](proxy.md#paths))"#
                ),
                Entry(
                    keys: ["rules[].path_prefix", "rules[].methods", "rules[].roles"], defaultValue: #""#,
                    meaning:
                        #"which roles may use a path: the first rule whose prefix (and methods, if listed) match decides; others pass; refused → 403. A prefix is a plain path (no `%`, `;`, `?`, `#`, `\`, `//`, dot segments); it matches any reading of the request path, case-insensitively, and `/admin/` covers `/admin`; `HEAD` counts as `GET`"#
                ),
            ]),
        Group(
            title: "Tenants",
            entries: [
                Entry(keys: ["tenants[].id"], defaultValue: #""#, meaning: #"`[a-z0-9-]{1,63}`, appears in URLs"#),
                Entry(keys: ["tenants[].email_domains"], defaultValue: #""#, meaning: #"a domain belongs to one tenant"#),
                Entry(
                    keys: ["tenants[].idp_metadata_url", "tenants[].idp_metadata_file"], defaultValue: #""#,
                    meaning: #"the IdP's SAML metadata (one of the two); a URL must be `https://` (plain `http://` only for loopback hosts)"#),
                Entry(
                    keys: ["tenants[].idp_entity_id"], defaultValue: #""#,
                    meaning: #"which entity to use when the metadata is an `EntitiesDescriptor` (and a check otherwise)"#),
                Entry(
                    keys: ["tenants[].idp_metadata_refresh"], defaultValue: #"`1h`"#,
                    meaning:
                        #"refresh interval (at least `1m`); sooner when the metadata's `cacheDuration` or `validUntil` says so; a failed fetch is retried every minute while the last good copy stays in use"#
                ),
                Entry(
                    keys: ["tenants[].id_attribute", "tenants[].email_attribute"],
                    defaultValue: #"`id` / `http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress`"#,
                    meaning: #"SAML attribute names of the IdP's user id and the email (NameID is the fallback email)"#),
                Entry(
                    keys: ["tenants[].role_attribute"], defaultValue: #""#,
                    meaning:
                        #"for tenants without SCIM: the SAML attribute carrying the role; applied at every sign-in (users created at the first); a value that is not a dashboard role refuses the sign-in"#
                ),
                Entry(
                    keys: ["tenants[].insecure_allow_sha1"], defaultValue: #"`false`"#,
                    meaning: #"accept RSA-SHA1 signatures and SHA-1 digests from this IdP; logged as a warning at start"#),
                Entry(
                    keys: ["tenants[].insecure_allow_http_metadata"], defaultValue: #"`false`"#,
                    meaning: #"fetch metadata over plain http from a non-loopback host; logged as a warning at start"#),
                Entry(keys: ["tenants[].allow_idp_initiated"], defaultValue: #"`true`"#, meaning: #"accept Okta-tile (unsolicited) sign-ins"#),
                Entry(
                    keys: ["tenants[].scim_token_sha256"], defaultValue: #"`[]`"#,
                    meaning: #"hex SHA-256 of each SCIM bearer token (several for rotation)"#),
                Entry(
                    keys: ["tenants[].scim_token_sha256_file"], defaultValue: #""#,
                    meaning:
                        #"a file of such hashes, one per line (`#` comments allowed; a mounted Kubernetes Secret), added to `scim_token_sha256`; read at start and on every reload"#
                ),
                Entry(
                    keys: ["tenants[].jit_default_role"], defaultValue: #"`null`"#,
                    meaning:
                        #"role for just-in-time users; only for tenants without SCIM; an account is made just in time only for an email under the tenant's `email_domains`"#
                ),
                Entry(
                    keys: ["tenants[].scim_adopt_existing"], defaultValue: #"`false`"#,
                    meaning:
                        #"a SCIM create whose userName matches a user made before SCIM (sign-in, `gatehouse users add`, an import) adopts that user (same id, sessions kept) instead of answering 409"#
                ),
            ]),
        Group(
            title: "Identity headers and the JWT",
            entries: [
                Entry(
                    keys: [
                        "identity_headers.user", "identity_headers.email", "identity_headers.role", "identity_headers.tenant", "identity_headers.jwt",
                    ],
                    defaultValue: #"`X-Forwarded-User`, `X-Forwarded-Email`, `X-Forwarded-Role`, `X-Forwarded-Tenant`, `X-Gatehouse-Jwt-Assertion`"#,
                    meaning: #"names of the identity headers; each is stripped from every inbound request"#),
                Entry(keys: ["identity_headers.extra"], defaultValue: #"`[]`"#, meaning: #"more names the upstream trusts (stripped, never set)"#),
                Entry(
                    keys: ["jwt.key_file", "jwt.previous_key_file"], defaultValue: #"generated"#,
                    meaning:
                        #"P-256 key (PEM) signing the identity JWT; without one, a key is generated once and kept in the store; the previous key stays published at `/sso/jwks.json`"#
                ),
                Entry(keys: ["jwt.issuer", "jwt.audience"], defaultValue: #"`public_url`"#, meaning: #"the JWT's `iss` and `aud`"#),
            ]),
        Group(
            title: "Sessions",
            entries: [
                Entry(keys: ["session.secret", "session.secret_file"], defaultValue: #""#, meaning: #"at least 32 bytes"#),
                Entry(keys: ["session.idle_timeout", "session.absolute_timeout"], defaultValue: #"`8h` / `24h`"#, meaning: #""#),
                Entry(
                    keys: ["session.cookie_prefix"], defaultValue: #"`gatehouse_`"#,
                    meaning:
                        #"cookies with this prefix are Gatehouse's and never reach the upstream; on https every name also gets `__Host-` in front"#),
            ]),
        Group(
            title: "SAML service provider",
            entries: [
                Entry(
                    keys: ["sp.key_file", "sp.cert_file"], defaultValue: #""#,
                    meaning: #"SP key and certificate (together); the certificate is published in SP metadata"#),
                Entry(
                    keys: ["sp.next_cert_file"], defaultValue: #""#,
                    meaning: #"the next SP certificate, published in metadata before the key is switched"#),
                Entry(
                    keys: ["sp.next_key_file"], defaultValue: #""#,
                    meaning: #"the next certificate's key: decrypts assertions an IdP already encrypts for the next certificate"#),
                Entry(
                    keys: ["saml.clock_skew"], defaultValue: #"`3m`"#, meaning: #"allowed clock difference for every SAML time check (at most `15m`)"#
                ),
                Entry(keys: ["saml.max_metadata_bytes"], defaultValue: #"`1048576`"#, meaning: #"largest IdP metadata document read or fetched"#),
                Entry(
                    keys: ["saml.metadata_fetch_timeout"], defaultValue: #"`10s`"#,
                    meaning: #"time limit of one metadata fetch (no redirects are followed)"#),
            ]),
        Group(
            title: "Proxy limits and timeouts",
            entries: [
                Entry(keys: ["proxy.connect_timeout"], defaultValue: #"`5s`"#, meaning: #"upstream connect timeout (502 after it)"#),
                Entry(
                    keys: ["proxy.read_timeout"], defaultValue: #"`60s`"#,
                    meaning:
                        #"longest time with nothing read from or written to the upstream during a request (504 before the response starts; a long upload is not silence)"#
                ),
                Entry(
                    keys: ["proxy.max_idle_connections"], defaultValue: #"`64`"#,
                    meaning: #"idle keep-alive upstream connections kept per event loop"#),
                Entry(keys: ["proxy.max_app_body_bytes"], defaultValue: #"`1048576`"#, meaning: #"default of the SAML and SCIM body limits below"#),
                Entry(
                    keys: ["proxy.max_saml_body_bytes"], defaultValue: #"`max_app_body_bytes`"#,
                    meaning:
                        #"largest body posted to `/sso/saml/…` (ACS, SLO); over it → 413 page, refused on `Content-Length` before the body is read, or where a chunked body passes it"#
                ),
                Entry(
                    keys: ["proxy.max_scim_body_bytes"], defaultValue: #"`max_app_body_bytes`"#,
                    meaning: #"largest SCIM request body; over it → 413 in the SCIM error schema"#),
                Entry(
                    keys: ["proxy.max_form_body_bytes"], defaultValue: #"`65536`"#,
                    meaning: #"largest body of the other sign-in forms (`/sso/login`, `/sso/logout`); over it → 413 page"#),
                Entry(keys: ["proxy.threads"], defaultValue: #"`0`"#, meaning: #"event-loop threads; 0 = one per core"#),
                Entry(
                    keys: ["proxy.header_read_timeout"], defaultValue: #"`10s`"#,
                    meaning:
                        #"time a client connection has to send a whole request head, from accept or from the first byte after a keep-alive pause (slowloris); then 408 (when part of a head came) and close"#
                ),
                Entry(
                    keys: ["proxy.idle_timeout"], defaultValue: #"`75s`"#,
                    meaning:
                        #"a keep-alive connection with no request in flight is closed after this; never while a request, its body or its response is under way, nor after a WebSocket upgrade"#
                ),
                Entry(
                    keys: ["proxy.send_timeout"], defaultValue: #"`60s`"#,
                    meaning:
                        #"a client that takes none of the response bytes waiting for it for this long (it stopped reading) is closed, counted in `gatehouse_front_limit_hits_total{limit="stalled_reader"}` and logged; progress is what leaves Gatehouse's own buffer, so a reader slower than about half its socket's send buffer per period counts as stopped (nginx's `send_timeout` works the same way)"#
                ),
                Entry(
                    keys: ["proxy.max_connections"], defaultValue: #"`10000`"#,
                    meaning:
                        #"client connections open at once; more get `503` with `Retry-After: 1` and are closed (counted in `gatehouse_front_limit_hits_total{limit="max_connections"}`, logged at most once per 10 s)"#
                ),
                Entry(
                    keys: ["proxy.max_header_bytes"], defaultValue: #"`32768`"#,
                    meaning: #"header names and values of one request; more is `431` and close"#),
                Entry(keys: ["proxy.max_header_count"], defaultValue: #"`100`"#, meaning: #"header fields of one request; more is `431` and close"#),
                Entry(
                    keys: ["proxy.max_uri_bytes"], defaultValue: #"`8192`"#,
                    meaning:
                        #"the request target (path and query); more is `414` and close. The parser stops any head past `max_header_bytes + max_uri_bytes` bytes or `2 × max_header_count` fields with a `431`"#
                ),
            ]),
        Group(
            title: "Shutdown and logs",
            entries: [
                Entry(keys: ["shutdown_timeout"], defaultValue: #"`25s`"#, meaning: #"how long in-flight requests may take after SIGTERM"#),
                Entry(keys: ["log.level"], defaultValue: #"`info`"#, meaning: #"`trace` … `critical`"#),
                Entry(keys: ["log.access_log"], defaultValue: #"`true`"#, meaning: #"one JSON line per request"#),
            ]),
    ]
}
