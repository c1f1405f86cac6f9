import Foundation
import GatehouseBasics
import GatehouseXML

/// What Gatehouse needs from an IdP's SAML metadata.
public struct IdPMetadata: Sendable, Equatable {
    public static let postBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
    public static let redirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"

    public var entityID: String
    /// Every signing certificate, PEM; several during a rollover. A KeyDescriptor without `use`
    /// signs too.
    public var signingCertificatesPEM: [String]
    /// Location by binding URI.
    public var singleSignOnServices: [String: String]
    public var singleLogoutServices: [String: String]
    public var nameIDFormats: [String]
    public var wantAuthnRequestsSigned: Bool
    public var validUntil: Date?
    public var cacheDuration: Duration?

    /// Parses an EntityDescriptor, or picks `entityID` out of an EntitiesDescriptor.
    public static func parse(_ bytes: [UInt8], entityID wanted: String? = nil) throws(SAMLMetadataError) -> IdPMetadata {
        let document: HardenedXMLDocument
        do { document = try HardenedXMLDocument(parsing: bytes, limits: XMLParsingLimits(maximumBytes: 1 << 20)) } catch {
            throw SAMLMetadataError(.malformed, context: "\(error)")
        }
        guard let root = document.root else { throw SAMLMetadataError(.malformed) }
        let descriptor: XMLElement
        if root.isNamed("EntityDescriptor", namespace: SAMLNamespace.metadata) {
            descriptor = root
        } else if root.isNamed("EntitiesDescriptor", namespace: SAMLNamespace.metadata) {
            let candidates = root.descendants(named: "EntityDescriptor", namespace: SAMLNamespace.metadata)
                .filter { wanted == nil || $0.attribute("entityID") == wanted }
                .filter { !$0.children(named: "IDPSSODescriptor", namespace: SAMLNamespace.metadata).isEmpty }
            guard candidates.count == 1, let only = candidates.first else {
                throw SAMLMetadataError(.entityNotFound, context: "\(candidates.count) IdP entities match \(wanted ?? "(any)")")
            }
            descriptor = only
        } else {
            throw SAMLMetadataError(.malformed, context: "root is \(root.localName)")
        }
        guard let entityID = descriptor.attribute("entityID"), !entityID.isEmpty, wanted == nil || entityID == wanted else {
            throw SAMLMetadataError(.entityNotFound, context: "entityID does not match")
        }
        guard let idp = descriptor.children(named: "IDPSSODescriptor", namespace: SAMLNamespace.metadata).first else {
            throw SAMLMetadataError(.notAnIdP)
        }
        let certificates = idp.children(named: "KeyDescriptor", namespace: SAMLNamespace.metadata)
            .filter { $0.attribute("use") == nil || $0.attribute("use") == "signing" }
            .flatMap { $0.descendants(named: "X509Certificate", namespace: SAMLNamespace.dsig) }
            .map { pem(fromBase64: $0.text) }
        guard !certificates.isEmpty else { throw SAMLMetadataError(.noSigningCertificate) }
        do { _ = try XMLSignatureKeys(certificatesPEM: certificates) } catch {
            throw SAMLMetadataError(.unreadableCertificate, context: "\(error)")
        }
        let sso = try services(idp, "SingleSignOnService")
        guard sso[postBinding] != nil || sso[redirectBinding] != nil else { throw SAMLMetadataError(.noSingleSignOnService) }
        return IdPMetadata(
            entityID: entityID, signingCertificatesPEM: certificates, singleSignOnServices: sso,
            singleLogoutServices: try services(idp, "SingleLogoutService"),
            nameIDFormats: idp.children(named: "NameIDFormat", namespace: SAMLNamespace.metadata).map(\.text),
            wantAuthnRequestsSigned: idp.attribute("WantAuthnRequestsSigned") == "true",
            validUntil: (descriptor.attribute("validUntil") ?? root.attribute("validUntil")).flatMap(SAMLTime.parse),
            cacheDuration: (descriptor.attribute("cacheDuration") ?? root.attribute("cacheDuration")).flatMap(XMLDuration.parse)
        )
    }

    /// Locations by binding; every URL must be http(s).
    private static func services(_ idp: XMLElement, _ name: String) throws(SAMLMetadataError) -> [String: String] {
        var byBinding: [String: String] = [:]
        for service in idp.children(named: name, namespace: SAMLNamespace.metadata) {
            guard let binding = service.attribute("Binding"), let location = service.attribute("Location") else { continue }
            let lower = location.lowercased()
            guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
                throw SAMLMetadataError(.nonHTTPURL, context: "\(name) Location is not http(s)")
            }
            if byBinding[binding] == nil { byBinding[binding] = location }
        }
        return byBinding
    }

    static func pem(fromBase64 text: String) -> String {
        let body = text.filter { !$0.isWhitespace }
        var lines: [String] = []
        var rest = Substring(body)
        while !rest.isEmpty {
            lines.append(String(rest.prefix(64)))
            rest = rest.dropFirst(64)
        }
        return "-----BEGIN CERTIFICATE-----\n" + lines.joined(separator: "\n") + "\n-----END CERTIFICATE-----\n"
    }
}

/// Why metadata was refused.
public struct SAMLMetadataError: CodedError {
    public enum Code: String, ErrorCode {
        case malformed = "metadata.malformed"
        case entityNotFound = "metadata.entity_not_found"
        case notAnIdP = "metadata.not_an_idp"
        case noSigningCertificate = "metadata.no_signing_certificate"
        case unreadableCertificate = "metadata.unreadable_certificate"
        case noSingleSignOnService = "metadata.no_single_sign_on_service"
        case nonHTTPURL = "metadata.non_http_url"
    }

    public let code: Code
    public let context: String

    public init(_ code: Code, context: String = "") {
        self.code = code
        self.context = context
    }
}

/// `xs:duration` as metadata's cacheDuration uses it (`PT30M`, `P1D`, `PT1H30M`); years and
/// months are refused rather than guessed.
enum XMLDuration {
    static func parse(_ text: String) -> Duration? {
        guard text.hasPrefix("P") else { return nil }
        var seconds = 0.0
        var number = ""
        var inTime = false
        for character in text.dropFirst() {
            if character == "T" {
                inTime = true
                continue
            }
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            guard let value = Double(number) else { return nil }
            number = ""
            switch (character, inTime) {
            case ("D", false): seconds += value * 86_400
            case ("W", false): seconds += value * 604_800
            case ("H", true): seconds += value * 3_600
            case ("M", true): seconds += value * 60
            case ("S", true): seconds += value
            default: return nil
            }
        }
        guard number.isEmpty, seconds > 0 else { return nil }
        return .milliseconds(Int64(seconds * 1_000))
    }
}
