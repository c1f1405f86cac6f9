import CXMLSecShim

/// Which XML Encryption algorithms an encrypted assertion may use: RSA-OAEP key transport
/// (RSA 1.5 is refused: its padding oracle recovers keys) and AES-GCM or AES-CBC content.
enum XMLEncryptionAlgorithms {
    static let namespace = "http://www.w3.org/2001/04/xmlenc#"
    static let elementType = "http://www.w3.org/2001/04/xmlenc#Element"
    static let keyTransport: Set<String> = ["http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p", "http://www.w3.org/2009/xmlenc11#rsa-oaep"]
    /// Content algorithms and their key length in bytes.
    static let content: [String: Int] = [
        "http://www.w3.org/2001/04/xmlenc#aes128-cbc": 16, "http://www.w3.org/2001/04/xmlenc#aes192-cbc": 24,
        "http://www.w3.org/2001/04/xmlenc#aes256-cbc": 32, "http://www.w3.org/2009/xmlenc11#aes128-gcm": 16,
        "http://www.w3.org/2009/xmlenc11#aes192-gcm": 24, "http://www.w3.org/2009/xmlenc11#aes256-gcm": 32,
    ]
}

extension HardenedXMLDocument {
    /// Decrypts the one `xenc:EncryptedData` child of `container` (a SAML `EncryptedAssertion`)
    /// in place with the SP's keys and returns the elements the plaintext became.
    ///
    /// The content key comes only from an `EncryptedKey` (inside the EncryptedData's KeyInfo or
    /// beside it in the container) unwrapped with one of `keys`; KeyInfo never selects a key and
    /// nothing is fetched. The plaintext is parsed with the hardened options, its `ID`s are
    /// registered with the same refusals, and the depth limit applies again. Every failure to
    /// decrypt is the same error, so the caller cannot become a padding oracle by accident.
    public func decryptContent(of container: XMLElement, keys: XMLDecryptionKeys, limits: XMLParsingLimits = XMLParsingLimits())
        throws(XMLSecurityError) -> [XMLElement]
    {
        try registerIDs()
        let xenc = XMLEncryptionAlgorithms.namespace
        let children = XMLNodeReading.elements(of: container.node)
        let data = children.filter { XMLNodeReading.isElement($0, named: "EncryptedData", namespace: xenc) }
        let looseKeys = children.filter { XMLNodeReading.isElement($0, named: "EncryptedKey", namespace: xenc) }
        guard data.count == 1, let encryptedData = data.first, data.count + looseKeys.count == children.count else {
            throw XMLSecurityError(.encryptionStructure, context: "expected one EncryptedData and only EncryptedKey beside it")
        }
        if let type = XMLNodeReading.attribute("Type", of: encryptedData), type != XMLEncryptionAlgorithms.elementType {
            throw XMLSecurityError(.encryptionStructure, context: "EncryptedData Type \(type)")
        }
        let contentAlgorithm = Self.encryptionMethod(of: encryptedData) ?? "missing"
        guard let keyLength = XMLEncryptionAlgorithms.content[contentAlgorithm] else {
            throw XMLSecurityError(.forbiddenEncryptionAlgorithm, context: "content \(contentAlgorithm)")
        }
        let embeddedKeys = XMLNodeReading.elements(of: encryptedData)
            .filter { XMLNodeReading.isElement($0, named: "KeyInfo", namespace: XMLNodeReading.dsigNamespace) }
            .flatMap { XMLNodeReading.elements(of: $0).filter { XMLNodeReading.isElement($0, named: "EncryptedKey", namespace: xenc) } }
        let encryptedKeys = embeddedKeys + looseKeys
        guard !encryptedKeys.isEmpty else { throw XMLSecurityError(.encryptionStructure, context: "no EncryptedKey") }
        // Each EncryptedKey tried is an RSA private-key operation, before any signature may have
        // been seen (an unsigned Response): no more of them than the SP has keys.
        guard encryptedKeys.count <= keys.keys.count else {
            throw XMLSecurityError(
                .tooManyEncryptedKeys, context: "\(encryptedKeys.count) EncryptedKeys for \(keys.keys.count) SP keys")
        }
        for encryptedKey in encryptedKeys {
            let transport = Self.encryptionMethod(of: encryptedKey) ?? "missing"
            guard XMLEncryptionAlgorithms.keyTransport.contains(transport) else {
                throw XMLSecurityError(.forbiddenEncryptionAlgorithm, context: "key transport \(transport)")
            }
        }

        guard let contentKey = Self.unwrapContentKey(encryptedKeys, with: keys, length: keyLength) else {
            throw XMLSecurityError(.decryptionFailed, context: "no SP key unwrapped a content key of \(keyLength) bytes")
        }
        try Self.decrypt(encryptedData, contentKey: contentKey)

        let decrypted = XMLNodeReading.elements(of: container.node).filter {
            !XMLNodeReading.isElement($0, named: "EncryptedKey", namespace: xenc)
        }
        if let first = container.node.pointee.children {
            switch gh_xml_register_ids_in(pointer, first) {
            case Int32(GH_XML_OK): break
            case Int32(GH_XML_DUPLICATE_ID): throw XMLSecurityError(.duplicateID, context: "in the decrypted content")
            default: throw XMLSecurityError(.emptyID, context: "in the decrypted content")
            }
        }
        if let root = xmlDocGetRootElement(pointer), Self.depth(of: root, limit: limits.maximumDepth) > limits.maximumDepth {
            throw XMLSecurityError(.tooDeep, context: "decrypted content deeper than \(limits.maximumDepth)")
        }
        return decrypted.map { XMLElement(document: self, node: $0) }
    }

    private static func encryptionMethod(of node: xmlNodePtr) -> String? {
        XMLNodeReading.elements(of: node)
            .first { XMLNodeReading.isElement($0, named: "EncryptionMethod", namespace: XMLEncryptionAlgorithms.namespace) }
            .flatMap { XMLNodeReading.attribute("Algorithm", of: $0) }
    }

    /// The AES key bytes from the first EncryptedKey that one of the SP keys opens, after at
    /// most one RSA decryption per SP key in all (the first EncryptedKey gets every key first).
    private static func unwrapContentKey(_ encryptedKeys: [xmlNodePtr], with keys: XMLDecryptionKeys, length: Int) -> [UInt8]? {
        var budget = keys.keys.count
        for encryptedKey in encryptedKeys {
            for key in keys.keys {
                guard budget > 0 else { return nil }
                budget -= 1
                guard let context = xmlSecEncCtxCreate(nil) else { return nil }
                defer { xmlSecEncCtxDestroy(context) }
                guard let copy = xmlSecKeyDuplicate(key) else { return nil }
                context.pointee.encKey = copy
                context.pointee.mode = xmlEncCtxModeEncryptedKey
                guard Self.enable(xmlSecOpenSSLTransformRsaOaepGetKlass(), in: context) else { continue }
                keys.countOperation()
                guard let buffer = xmlSecEncCtxDecryptToBuffer(context, encryptedKey), let bytes = xmlSecBufferGetData(buffer)
                else { continue }
                let size = Int(xmlSecBufferGetSize(buffer))
                guard size == length else { continue }
                return Array(UnsafeBufferPointer(start: bytes, count: size))
            }
        }
        return nil
    }

    /// Adds a transform to the context's allow-list; with a non-empty list xmlsec refuses any other.
    private static func enable(_ transform: xmlSecTransformId?, in context: xmlSecEncCtxPtr) -> Bool {
        guard let transform else { return false }
        return xmlSecPtrListAdd(&context.pointee.transformCtx.enabledTransforms, UnsafeMutableRawPointer(mutating: transform)) == 0
    }

    /// Replaces `encryptedData` in the tree with its plaintext, decrypted with `contentKey`.
    private static func decrypt(_ encryptedData: xmlNodePtr, contentKey: [UInt8]) throws(XMLSecurityError) {
        guard let context = xmlSecEncCtxCreate(nil) else { throw XMLSecurityError(.outOfMemory) }
        defer { xmlSecEncCtxDestroy(context) }
        let key = contentKey.withUnsafeBufferPointer { buffer in
            xmlSecKeyReadMemory(xmlSecOpenSSLKeyDataAesGetKlass(), buffer.baseAddress, CUnsignedInt(buffer.count))
        }
        guard let key else { throw XMLSecurityError(.decryptionFailed, context: "content key unusable") }
        context.pointee.encKey = key
        context.pointee.mode = xmlEncCtxModeEncryptedData
        let allowed = [
            xmlSecOpenSSLTransformAes128CbcGetKlass(), xmlSecOpenSSLTransformAes192CbcGetKlass(), xmlSecOpenSSLTransformAes256CbcGetKlass(),
            xmlSecOpenSSLTransformAes128GcmGetKlass(), xmlSecOpenSSLTransformAes192GcmGetKlass(), xmlSecOpenSSLTransformAes256GcmGetKlass(),
        ]
        for transform in allowed where !Self.enable(transform, in: context) {
            throw XMLSecurityError(.outOfMemory)
        }
        guard xmlSecEncCtxDecrypt(context, encryptedData) == 0, context.pointee.resultReplaced != 0 else {
            throw XMLSecurityError(.decryptionFailed, context: "the content did not decrypt to XML")
        }
    }
}
