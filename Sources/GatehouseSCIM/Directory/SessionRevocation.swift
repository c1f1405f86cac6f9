/// How the directory ends a person's sessions, declared here so the rule "deactivation and
/// deletion end every session before the answer" is the directory's; the server implements it
/// over the session store and the proxy's cache.
public protocol SessionRevocation: Sendable {
    /// Ends every session of the user, in the store and in any cache; returns how many ended.
    func endSessions(userID: String) async throws -> Int
    /// The user changed (role, email, activity): cached views of them are read again before the
    /// next request.
    func userChanged(userID: String)
}
