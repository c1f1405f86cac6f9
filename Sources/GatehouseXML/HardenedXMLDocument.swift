import CXMLSecShim

#if canImport(Glibc)
    import Glibc
#endif

/// Limits applied before and after parsing untrusted XML.
public struct XMLParsingLimits: Sendable, Equatable {
    /// Largest document accepted, in bytes (SAML responses are a few KB; 256 KB is generous).
    public var maximumBytes: Int
    /// Deepest element nesting accepted; libxml2's own limit is higher.
    public var maximumDepth: Int

    public init(maximumBytes: Int = 256 * 1024, maximumDepth: Int = 64) {
        self.maximumBytes = maximumBytes
        self.maximumDepth = maximumDepth
    }
}

/// An XML document parsed by libxml2 with no DTD, no entity substitution and no network.
///
/// The document owns its libxml2 tree and frees it when released. It is not `Sendable`: a tree
/// is used by one task at a time.
public final class HardenedXMLDocument {
    let pointer: xmlDocPtr
    /// Whether `ID` attributes have been registered (once per document).
    var idsRegistered = false

    /// Parses untrusted bytes; refuses oversized input, malformed XML, any DOCTYPE and deep nesting.
    public init(parsing bytes: some Collection<UInt8>, limits: XMLParsingLimits = XMLParsingLimits()) throws(XMLSecurityError) {
        try XMLSecurityLibrary.ensureInitialised()
        guard bytes.count <= limits.maximumBytes else {
            throw XMLSecurityError(.documentTooLarge, context: "\(bytes.count) bytes > \(limits.maximumBytes)")
        }
        let bytes = Array(bytes)
        // Refused before libxml2 sees it, so every DTD trick (entities, billion laughs) fails the
        // same way; the check after parsing still catches a DOCTYPE in another encoding.
        if Self.containsDoctype(bytes) { throw XMLSecurityError(.doctypeForbidden) }
        var reason: Int32 = 0
        let parsed: xmlDocPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                gh_xml_parse_hardened(chars.baseAddress, Int32(chars.count), &reason)
            }
        }
        guard let parsed else {
            switch Int(reason) {
            case Int(GH_XML_DOCTYPE): throw XMLSecurityError(.doctypeForbidden)
            case Int(GH_XML_NO_MEMORY): throw XMLSecurityError(.outOfMemory)
            default: throw XMLSecurityError(.malformed)
            }
        }
        pointer = parsed
        if let root = xmlDocGetRootElement(parsed), Self.depth(of: root, limit: limits.maximumDepth) > limits.maximumDepth {
            throw XMLSecurityError(.tooDeep, context: "deeper than \(limits.maximumDepth)")
        }
    }

    deinit { gh_xml_free_doc(pointer) }

    /// The root element's local name.
    public var rootName: String? {
        guard let root = xmlDocGetRootElement(pointer) else { return nil }
        return String(cString: root.pointee.name)
    }

    /// The root element's namespace URI, if any.
    public var rootNamespace: String? {
        guard let root = xmlDocGetRootElement(pointer), let ns = root.pointee.ns, let href = ns.pointee.href else { return nil }
        return String(cString: href)
    }

    private static let doctypeMarker = Array("<!DOCTYPE".utf8)

    static func containsDoctype(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            let count = buffer.count
            let marker = doctypeMarker.count
            guard count >= marker, let base = buffer.baseAddress else { return false }
            var index = 0
            while index <= count - marker {
                // memchr finds the next '<' far faster than a Swift loop over every byte.
                guard let found = memchr(base + index, 0x3c, count - marker - index + 1) else { return false }
                let position = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if memcmp(base + position, doctypeMarker, marker) == 0 { return true }
                index = position + 1
            }
            return false
        }
    }

    /// Depth of the element subtree, stopping early once past `limit`.
    static func depth(of node: xmlNodePtr, limit: Int) -> Int {
        var deepest = 1
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE {
                deepest = max(deepest, 1 + depth(of: current, limit: limit))
                if deepest > limit { return deepest }
            }
            child = current.pointee.next
        }
        return deepest
    }
}
