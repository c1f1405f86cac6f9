import NIOHTTP1

/// How the access gate answers a request that needs a session and has none: a page load is
/// redirected to the login page with its own target as `return_to`; an API call gets
/// `apiResponse` (a redirect would only confuse a script).
public struct LoginRequired: Sendable {
    /// The path of the login page.
    public let loginPath: String
    /// The answer to an API call or any method but GET and HEAD.
    public let apiResponse: LocalResponse

    public init(loginPath: String, apiResponse: LocalResponse) {
        self.loginPath = loginPath
        self.apiResponse = apiResponse
    }

    func response(method: HTTPMethod, uri: String, wantsJSON: Bool) -> LocalResponse {
        guard (method == .GET || method == .HEAD) && !wantsJSON else { return apiResponse }
        var headers = HTTPHeaders()
        headers.add(name: "Location", value: "\(loginPath)?return_to=\(LocalResponse.percentEncodeQueryValue(uri))")
        headers.add(name: "Cache-Control", value: "no-store")
        return LocalResponse(status: .found, headers: headers, body: "")
    }
}
