import Testing

@testable import GatehouseXML

@Suite struct HardenedXMLDocumentTests {
    @Test func librariesInitialiseAndSizesMatchTheLibrary() throws {
        try XMLSecurityLibrary.ensureInitialised()
        #expect(XMLSecurityLibrary.xmlSecSizeWidth == 4)
        #expect(XMLSecurityLibrary.xmlsecVersion.hasPrefix("1."))
    }

    @Test func parsesAWellFormedSAMLDocument() throws {
        let xml = #"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1"><x/></samlp:Response>"#
        let document = try HardenedXMLDocument(parsing: Array(xml.utf8))
        #expect(document.rootName == "Response")
        #expect(document.rootNamespace == "urn:oasis:names:tc:SAML:2.0:protocol")
    }

    @Test func refusesADoctype() {
        let xml = #"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>"#
        #expect(throws: XMLSecurityError(.doctypeForbidden)) { try HardenedXMLDocument(parsing: Array(xml.utf8)) }
    }

    @Test func refusesAnExternalEntityWithoutFetchingIt() {
        let xml = #"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>"#
        #expect(throws: XMLSecurityError(.doctypeForbidden)) { try HardenedXMLDocument(parsing: Array(xml.utf8)) }
    }

    @Test func refusesBillionLaughs() {
        var xml = #"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">"#
        for level in 1...9 {
            let previous = level == 1 ? "lol" : "lol\(level - 1)"
            xml += "<!ENTITY lol\(level) \"" + String(repeating: "&\(previous);", count: 10) + "\">"
        }
        xml += "]><lolz>&lol9;</lolz>"
        #expect(throws: XMLSecurityError(.doctypeForbidden)) { try HardenedXMLDocument(parsing: Array(xml.utf8)) }
    }

    @Test func refusesMalformedXML() {
        #expect(throws: XMLSecurityError(.malformed)) { try HardenedXMLDocument(parsing: Array("<a><b></a>".utf8)) }
    }

    @Test func refusesOversizedInputBeforeParsing() {
        let xml = "<a>" + String(repeating: "x", count: 2_000) + "</a>"
        #expect(throws: XMLSecurityError.self) {
            try HardenedXMLDocument(parsing: Array(xml.utf8), limits: XMLParsingLimits(maximumBytes: 1_000))
        }
    }

    @Test func refusesDeepNesting() {
        let xml = String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100)
        #expect(throws: XMLSecurityError.self) {
            try HardenedXMLDocument(parsing: Array(xml.utf8), limits: XMLParsingLimits(maximumDepth: 50))
        }
    }
}
