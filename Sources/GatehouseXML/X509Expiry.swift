import CXMLSecShim
import Foundation

/// Certificate validity, read with OpenSSL; only for monitoring (signature checks use the key
/// value alone, as SAML metadata pins keys rather than trusting a certificate chain).
public enum X509Expiry {
    /// The certificate's notAfter, or nil when the PEM is not a readable certificate.
    public static func notAfter(certificatePEM pem: String) -> Date? {
        let bytes = Array(pem.utf8)
        var seconds: Int64 = 0
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { gh_x509_pem_not_after($0.baseAddress, Int32($0.count), &seconds) }
        }
        return status == 0 ? Date(timeIntervalSince1970: TimeInterval(seconds)) : nil
    }
}
