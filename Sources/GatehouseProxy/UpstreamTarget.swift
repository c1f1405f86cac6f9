/// Where an upstream connection goes: the app over TCP, or Gatehouse's own application over a
/// private Unix socket.
public enum UpstreamTarget: Sendable, Hashable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case unixSocket(path: String)

    public var description: String {
        switch self {
        case .tcp(let host, let port): return "\(host):\(port)"
        case .unixSocket(let path): return "unix:\(path)"
        }
    }
}
