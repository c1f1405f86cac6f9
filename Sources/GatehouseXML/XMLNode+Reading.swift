import CXMLSecShim

#if canImport(Glibc)
    import Glibc
#endif

/// Small read-only helpers over libxml2 nodes, used inside this module only. Names are compared
/// as C strings, so walking a document allocates nothing per node.
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
        guard node.pointee.type == XML_ELEMENT_NODE, let ns = node.pointee.ns, let href = ns.pointee.href, let local = node.pointee.name else {
            return false
        }
        return equals(local, name) && equals(href, namespace)
    }

    /// Compares libxml2's UTF-8 string with a Swift string without making a String.
    static func equals(_ value: UnsafePointer<xmlChar>, _ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return value.pointee == 0 }
            return strncmp(
                UnsafeRawPointer(value).assumingMemoryBound(to: CChar.self), UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), bytes.count)
                == 0
                && value[bytes.count] == 0
        }
    }

    /// An un-namespaced attribute's value.
    static func attribute(_ name: String, of node: xmlNodePtr) -> String? {
        guard let value = xmlGetNoNsProp(node, name) else { return nil }
        defer { gh_xml_free(value) }
        return String(cString: value)
    }
}
