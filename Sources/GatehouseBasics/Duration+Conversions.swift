import Foundation

extension Duration {
    /// Seconds as Foundation's dates count them.
    public var timeInterval: TimeInterval { TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18 }

    /// Whole nanoseconds, saturating (NIO's `TimeAmount` counts them).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product &+ attoseconds / 1_000_000_000
    }
}
