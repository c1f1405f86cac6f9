import CXMLSecShim

/// Small read-only helpers over libxml2 nodes, used inside this module only.
enum XMLNodeReading {
    static let dsigNamespace = "http://www.w3.org/2000/09/xmldsig#"

    /// Element children of `node`.
    static func elements(of node: xmlNodePtr) -> [xmlNodePtr] {
        var result: [xmlNodePtr] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE { result.append(current) }
            child = current.pointee.next
        }
        return result
    }

    static func isElement(_ node: xmlNodePtr, named name: String, namespace: String) -> Bool {
        guard node.pointee.type == XML_ELEMENT_NODE, let ns = node.pointee.ns, let href = ns.pointee.href else { return false }
        return String(cString: node.pointee.name) == name && String(cString: href) == namespace
    }

    /// An un-namespaced attribute's value.
    static func attribute(_ name: String, of node: xmlNodePtr) -> String? {
        guard let value = xmlGetNoNsProp(node, name) else { return nil }
        defer { gh_xml_free(value) }
        return String(cString: value)
    }
}
