import Foundation

/// When a session ends: idle timeout, absolute timeout, and never after the IdP's
/// SessionNotOnOrAfter. Pure, with the time passed in.
public struct SessionLifetime: Sendable, Equatable {
    public var idle: TimeInterval
    public var absolute: TimeInterval

    public init(idle: TimeInterval, absolute: TimeInterval) {
        self.idle = idle
        self.absolute = absolute
    }

    /// The absolute end of a session started at `now`.
    public func expiry(startingAt now: Date, sessionNotOnOrAfter: Date?) -> Date {
        let end = now.addingTimeInterval(absolute)
        guard let sessionNotOnOrAfter else { return end }
        return min(end, sessionNotOnOrAfter)
    }

    public func isLive(_ session: StoredSession, at now: Date) -> Bool {
        now < session.expiresAt && now < session.lastSeenAt.addingTimeInterval(idle)
    }
}
