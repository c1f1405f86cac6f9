import CXMLSecShim

/// A read-only view of one element of a `HardenedXMLDocument`; it keeps the document alive.
public struct XMLElement {
    let document: HardenedXMLDocument
    let node: xmlNodePtr

    public var localName: String { String(cString: node.pointee.name) }

    public var namespaceURI: String? {
        guard let ns = node.pointee.ns, let href = ns.pointee.href else { return nil }
        return String(cString: href)
    }

    public func isNamed(_ name: String, namespace: String) -> Bool { XMLNodeReading.isElement(node, named: name, namespace: namespace) }

    /// An un-namespaced attribute (`ID`, `Destination`, ...).
    public func attribute(_ name: String) -> String? { XMLNodeReading.attribute(name, of: node) }

    public var childElements: [XMLElement] { XMLNodeReading.elements(of: node).map { XMLElement(document: document, node: $0) } }

    public func children(named name: String, namespace: String) -> [XMLElement] {
        var found: [XMLElement] = []
        var child = node.pointee.children
        while let current = child {
            if XMLNodeReading.isElement(current, named: name, namespace: namespace) { found.append(XMLElement(document: document, node: current)) }
            child = current.pointee.next
        }
        return found
    }

    /// Every element below this one (not itself) with this name, in document order.
    public func descendants(named name: String, namespace: String) -> [XMLElement] {
        var found: [XMLElement] = []
        Self.collect(below: node, name: name, namespace: namespace) { found.append(XMLElement(document: document, node: $0)) }
        return found
    }

    private static func collect(below node: xmlNodePtr, name: String, namespace: String, _ found: (xmlNodePtr) -> Void) {
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE {
                if XMLNodeReading.isElement(current, named: name, namespace: namespace) { found(current) }
                collect(below: current, name: name, namespace: namespace, found)
            }
            child = current.pointee.next
        }
    }

    public var parent: XMLElement? {
        guard let parent = node.pointee.parent, parent.pointee.type == XML_ELEMENT_NODE else { return nil }
        return XMLElement(document: document, node: parent)
    }

    /// The element's whole text: every text and CDATA descendant joined, so a comment inside
    /// (`alice@acme.com<!---->.evil.com`) neither truncates nor splits it.
    public var text: String {
        guard let content = xmlNodeGetContent(node) else { return "" }
        defer { gh_xml_free(content) }
        return String(cString: content)
    }

    public func isSame(as other: XMLElement) -> Bool { node == other.node }
}

extension HardenedXMLDocument {
    /// The root element.
    public var root: XMLElement? { xmlDocGetRootElement(pointer).map { XMLElement(document: self, node: $0) } }

    /// Registers `ID` attributes (refusing duplicates and empty IDs); done once per document.
    public func prepareIDs() throws(XMLSecurityError) { try registerIDs() }
}
