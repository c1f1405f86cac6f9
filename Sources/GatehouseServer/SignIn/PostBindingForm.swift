/// The HTTP-POST binding's page: a form that posts a SAML message (and the RelayState) to the
/// IdP, submitted on load; without JavaScript the person presses Continue. Every value is escaped.
enum PostBindingForm {
    /// - Parameter samlRequest: the base64 message (`AuthnRequest.postBindingValue`).
    static func html(action: String, samlRequest: String, relayState: String?) -> String {
        let relay = relayState.map { #"<input type="hidden" name="RelayState" value="\#(HTMLText.escape($0))">"# } ?? ""
        return """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signing in</title>\
            <meta name="viewport" content="width=device-width, initial-scale=1"></head>\
            <body onload="document.forms[0].submit()"><form method="post" action="\(HTMLText.escape(action))">\
            <input type="hidden" name="SAMLRequest" value="\(HTMLText.escape(samlRequest))">\(relay)\
            <noscript><p>Press Continue to go to your identity provider.</p><button type="submit">Continue</button></noscript>\
            </form></body></html>
            """
    }
}
