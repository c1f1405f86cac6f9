import Foundation

extension RawHTTP {
    /// Posts to the ACS as a browser does: when the answer is the re-submission page (the pending
    /// cookie did not come with this POST), its form is posted once more, to the action it names,
    /// with the same cookies, which is what a same-site POST from that page carries.
    static func postToACS(port: Int, _ target: String, fields: [(String, String)], cookies: [String] = []) async throws -> RawResponse {
        let first = try await postForm(port: port, target, fields: fields, cookies: cookies)
        guard let form = first.resubmissionForm else { return first }
        return try await postForm(port: port, form.action, fields: form.fields, cookies: cookies)
    }
}

extension RawResponse {
    /// The ACS's re-submission page: its form's action and hidden fields (values unescaped).
    var resubmissionForm: (action: String, fields: [(String, String)])? {
        guard status == 200, body.contains(#"name="gatehouse_resubmitted""#),
            let action = Self.firstMatch(#"<form method="post" action="([^"]*)">"#, in: body)?.first
        else { return nil }
        let fields = Self.matches(#"<input type="hidden" name="([^"]*)" value="([^"]*)">"#, in: body).map {
            (Self.unescape($0[0]), Self.unescape($0[1]))
        }
        return (Self.unescape(action), fields)
    }

    static func matches(_ pattern: String, in text: String) -> [[String]] {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return [] }
        return expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { match in
            (1..<match.numberOfRanges).compactMap { Range(match.range(at: $0), in: text).map { String(text[$0]) } }
        }
    }

    static func firstMatch(_ pattern: String, in text: String) -> [String]? { matches(pattern, in: text).first }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
