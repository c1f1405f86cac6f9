import Testing

/// The attacker's spellings of a path under a `path_prefix: /admin/` rule, and how each common
/// upstream reads it. "admin" in a column: that framework serves the spelling as `/admin/…` (or
/// `/admin`), so Gatehouse must refuse it (403, or 400 where no honest browser sends it).
///
/// Readings (documented behaviour of each, default settings):
/// - Django and Flask (WSGI): PATH_INFO is percent-decoded; no `;` handling; `//` kept, but a
///   front nginx with `merge_slashes on` (its default) routes by the merged path.
/// - Rails (Rack): decodes for routing; case-sensitive; `;` kept.
/// - Spring and Tomcat: strip `;` parameters per segment, then decode, then remove dot segments
///   (`..;` is `..`); Spring Security firewall aside, the servlet path is what is served.
/// - nginx: decodes, merges slashes, resolves dot segments before `location` matching.
/// - Express: routes by the raw path, but `caseSensitive` routing is off by default and
///   `strict` is off (`/admin` is `/admin/`); `path-to-regexp` decodes parameters.
struct PathSpelling: CustomTestStringConvertible, Sendable {
    let target: String
    /// Frameworks that serve this spelling as the protected page.
    let servedAsAdminBy: [String]
    /// What a signed-in DEVELOPER gets from Gatehouse.
    let status: Int

    var testDescription: String { target }

    static let admin: [PathSpelling] = [
        PathSpelling(target: "/admin/x", servedAsAdminBy: ["all"], status: 403),
        PathSpelling(target: "/%61dmin/x", servedAsAdminBy: ["Django", "Flask", "Rails", "Spring", "Tomcat", "nginx"], status: 403),
        PathSpelling(target: "/%61%64%6D%69%6E/x", servedAsAdminBy: ["Django", "Flask", "Spring", "Tomcat", "nginx"], status: 403),
        PathSpelling(target: "//admin/x", servedAsAdminBy: ["nginx", "Django behind nginx", "Spring"], status: 403),
        PathSpelling(target: "///admin//x", servedAsAdminBy: ["nginx", "Spring"], status: 403),
        PathSpelling(target: "/admin;x/x", servedAsAdminBy: ["Spring", "Tomcat"], status: 403),
        PathSpelling(target: "/admin;jsessionid=1", servedAsAdminBy: ["Spring", "Tomcat"], status: 403),
        PathSpelling(target: "/admin%3bx/x", servedAsAdminBy: ["Spring (decodes before matching)"], status: 403),
        PathSpelling(target: "/ADMIN/x", servedAsAdminBy: ["Express", "IIS", "any case-insensitive router"], status: 403),
        PathSpelling(target: "/Admin", servedAsAdminBy: ["Express"], status: 403),
        PathSpelling(target: "/admin", servedAsAdminBy: ["Django (APPEND_SLASH)", "Rails", "Express", "Spring"], status: 403),
        PathSpelling(target: "/%2561dmin/x", servedAsAdminBy: ["a stack that decodes twice"], status: 403),
        // Dot segments in any reading are refused outright: no browser sends them.
        PathSpelling(target: "/x/..;/admin/x", servedAsAdminBy: ["Tomcat", "Spring"], status: 400),
        PathSpelling(target: "/x/../admin/x", servedAsAdminBy: ["nginx", "Spring", "Express (after URL normalisation)"], status: 400),
        PathSpelling(target: "/x/%2e%2e/admin/x", servedAsAdminBy: ["Django", "Flask", "Spring", "nginx"], status: 400),
        PathSpelling(target: "/x/.%2E;y/admin/x", servedAsAdminBy: ["Tomcat"], status: 400),
        PathSpelling(target: "/x/%2e%2e%3b/admin/x", servedAsAdminBy: ["Spring (decodes before stripping)"], status: 400),
        PathSpelling(target: "/admin/./x", servedAsAdminBy: ["all"], status: 400),
        PathSpelling(target: "/x%2f..%2fadmin/x", servedAsAdminBy: ["servers that decode %2F"], status: 400),
        PathSpelling(target: "/x/..%5cadmin/x", servedAsAdminBy: ["IIS", "Tomcat (backslash as separator)"], status: 400),
        PathSpelling(target: "/admin%00/x", servedAsAdminBy: ["C-string readers"], status: 400),
        PathSpelling(target: "/adm%0din/x", servedAsAdminBy: ["readers that strip CR/LF"], status: 400),
        PathSpelling(target: "/admin#x", servedAsAdminBy: ["nginx", "Express", "Puma/Rails (the fragment is cut)"], status: 400),
        PathSpelling(target: "/x/..#/admin/x", servedAsAdminBy: ["nginx (resolves the .. before the #)"], status: 400),
        PathSpelling(target: "/adm%C4%B1n/x", servedAsAdminBy: ["Spring with case-insensitive matching (Java folds ı to i)"], status: 400),
        PathSpelling(target: "/ADM%C4%B0N/x", servedAsAdminBy: ["Java equalsIgnoreCase (İ)"], status: 400),
        PathSpelling(target: "/%C0%AE%C0%AE/admin/x", servedAsAdminBy: ["decoders that accept overlong UTF-8"], status: 400),
        // Not the protected pages in any reading: a DEVELOPER gets them.
        PathSpelling(target: "/adminx", servedAsAdminBy: [], status: 200),
        PathSpelling(target: "/administrator/", servedAsAdminBy: [], status: 200),
        PathSpelling(target: "/x/admin/", servedAsAdminBy: [], status: 200),
        PathSpelling(target: "/admi%6e-tools/x", servedAsAdminBy: [], status: 200),
        PathSpelling(target: "/files/report..pdf", servedAsAdminBy: [], status: 200),
        PathSpelling(target: "/search?next=/admin/x", servedAsAdminBy: [], status: 200),
    ]
}
