import HTTPTypes
import Hummingbird

/// The sign-in pages: plain HTML that works without JavaScript, every value escaped.
enum SignInPages {
    static func page(status: HTTPResponse.Status, title: String, body: String, headers: HTTPFields = [:]) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(HTMLText.escape(title))</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>body{font-family:system-ui,sans-serif;max-width:30rem;margin:4rem auto;padding:0 1rem;color:#1f2328}
            label{display:block;font-weight:600;margin-bottom:.4rem}input[type=email]{width:100%;padding:.6rem;font-size:1rem;box-sizing:border-box}
            button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem}.error{color:#b42318}.reference{color:#57606a;font-size:.9rem}</style>
            </head><body><main><h1>\(HTMLText.escape(title))</h1>\(body)</main></body></html>
            """
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        fields[.cacheControl] = "no-store"
        fields[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' https: http:; frame-ancestors 'none'"
        fields[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// The email-first form; `message` is shown above it (an unknown domain, say).
    static func login(action: String, email: String, returnTo: String, csrfToken: String, message: String?, headers: HTTPFields) -> Response {
        let error = message.map { #"<p class="error" role="alert">\#(HTMLText.escape($0))</p>"# } ?? ""
        let body = """
            \(error)<form method="post" action="\(HTMLText.escape(action))">
            <label for="email">Work email</label>
            <input id="email" name="email" type="email" autocomplete="username" required autofocus value="\(HTMLText.escape(email))">
            <input type="hidden" name="return_to" value="\(HTMLText.escape(returnTo))">
            <input type="hidden" name="csrf" value="\(HTMLText.escape(csrfToken))">
            <button type="submit">Continue</button></form>
            """
        return page(status: message == nil ? .ok : .badRequest, title: "Sign in", body: body, headers: headers)
    }

    /// A clear page for a refused sign-in, with the reference that is also in the log.
    static func problem(_ problem: SignInProblem, reference: String) -> Response {
        let body = """
            <p>\(HTMLText.escape(problem.message))</p><p>\(HTMLText.escape(problem.hint))</p>
            <p class="reference">Reference: <code>\(HTMLText.escape(reference))</code></p>
            """
        return page(status: problem.status, title: problem.title, body: body)
    }
}

/// What can stop a sign-in, as the person sees it; the log has the precise reason.
enum SignInProblem: String {
    case unknownDomain = "signin.unknown_domain"
    case notProvisioned = "signin.not_provisioned"
    case deactivated = "signin.deactivated"
    case idpRefused = "signin.idp_refused"
    case expired = "signin.expired"
    case notConfigured = "signin.not_configured"
    case badRequest = "signin.bad_request"
    case invalidIdentity = "signin.invalid_identity"
    case storeUnavailable = "signin.store_unavailable"

    var status: HTTPResponse.Status {
        switch self {
        case .notProvisioned, .deactivated: return .forbidden
        case .notConfigured, .storeUnavailable: return .serviceUnavailable
        default: return .badRequest
        }
    }

    var title: String {
        switch self {
        case .unknownDomain: return "No organisation for this email domain"
        case .notProvisioned: return "Your account is not set up here"
        case .deactivated: return "Your account is deactivated"
        case .idpRefused: return "Your identity provider refused the sign-in"
        case .expired: return "This sign-in has expired"
        case .notConfigured: return "Sign-in is not available"
        case .badRequest: return "This sign-in could not be completed"
        case .invalidIdentity: return "Your account details cannot be used here"
        case .storeUnavailable: return "Sign-in cannot be completed right now"
        }
    }

    var message: String {
        switch self {
        case .unknownDomain: return "No organisation uses this email domain to sign in here."
        case .notProvisioned: return "You signed in at your identity provider, but this app has no account for that email."
        case .deactivated: return "Your account in this app has been deactivated."
        case .idpRefused: return "The answer from your identity provider could not be accepted."
        case .expired: return "The sign-in took too long or was started in another browser. Please start again."
        case .notConfigured: return "Sign-in for your organisation is not configured or its identity provider cannot be reached."
        case .badRequest: return "The request was incomplete."
        case .storeUnavailable: return "Gatehouse cannot reach the store that keeps sessions. Nothing is wrong with your account."
        case .invalidIdentity:
            return "Your identity provider sent an email, name or id with characters that are not allowed (line breaks or other control characters)."
        }
    }

    var hint: String {
        switch self {
        case .unknownDomain: return "Check the address for typos, or ask your administrator which email to use."
        case .notProvisioned, .deactivated:
            return "Ask your administrator to assign you this app. The email in your identity provider and in this app must match."
        case .invalidIdentity: return "Ask your administrator to correct your profile at the identity provider, then start again."
        case .idpRefused, .badRequest, .expired:
            return "Start again from the sign-in page. If it keeps happening, give your administrator the reference below."
        case .notConfigured, .storeUnavailable: return "Please try again later or give your administrator the reference below."
        }
    }
}
