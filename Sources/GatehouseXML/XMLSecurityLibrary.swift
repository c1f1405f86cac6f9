import CXMLSecShim

/// The process-wide libxml2 + xmlsec1 state, initialised exactly once.
///
/// libxml2 and xmlsec keep global state; initialising it twice or from two threads at once is
/// undefined. Swift's lazily initialised globals run their initialiser once, atomically.
public enum XMLSecurityLibrary {
    private static let initialisation: Result<Void, XMLSecurityError> = {
        let status = gh_xmlsec_initialize()
        guard status == 0 else {
            return .failure(XMLSecurityError(.libraryInitialisationFailed, context: "gh_xmlsec_initialize returned \(status)"))
        }
        return .success(())
    }()

    /// Initialises the libraries if that has not happened yet; throws if they could not be.
    public static func ensureInitialised() throws(XMLSecurityError) {
        try initialisation.get()
    }

    /// The linked xmlsec version, for `gatehouse version` and start-up logs.
    public static var xmlsecVersion: String { String(cString: gh_xmlsec_version()) }

    /// Width in bytes of `xmlSecSize` as the shim was compiled; the library itself uses 4.
    public static var xmlSecSizeWidth: Int { Int(gh_xmlsec_size_width()) }
}
