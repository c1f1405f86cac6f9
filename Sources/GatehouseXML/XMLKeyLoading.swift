import CXMLSecShim

/// Loading PEM keys and certificates into xmlsec keys, shared by the key holders.
enum XMLKeyLoading {
    /// One PEM document as an xmlsec key; nil when OpenSSL cannot read it in `format`.
    static func load(_ pem: String, format: xmlSecKeyDataFormat) -> xmlSecKeyPtr? {
        let bytes = Array(pem.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            xmlSecOpenSSLAppKeyLoadMemory(buffer.baseAddress, CUnsignedInt(buffer.count), format, nil, nil, nil)
        }
    }

    /// A private key, or nil when the PEM is unreadable or holds only a public key.
    static func privateKey(_ pem: String) -> xmlSecKeyPtr? {
        guard let key = load(pem, format: xmlSecKeyDataFormatPem) else { return nil }
        guard xmlSecKeyGetType(key) & UInt32(xmlSecKeyDataTypePrivate) != 0 else {
            xmlSecKeyDestroy(key)
            return nil
        }
        return key
    }
}
