import Foundation

extension Duration {
    /// Seconds as Foundation's dates count them.
    var timeInterval: TimeInterval { TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18 }
}
