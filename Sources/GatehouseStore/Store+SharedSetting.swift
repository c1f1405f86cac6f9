extension Store {
    /// The value kept under `key` when it is usable, else a new one from `generate`, stored so
    /// that every replica ends with the same value: two replicas reading first at once both get
    /// the one stored first (`setSettingIfAbsent`). A stored value that is not usable (too short,
    /// not text) is replaced.
    public func sharedSetting(_ key: String, isUsable: ([UInt8]) -> Bool, generate: () -> [UInt8]) async throws -> [UInt8] {
        if let stored = try await setting(key) {
            if isUsable(stored) { return stored }
            // Repair, not a race: only a damaged or hand-written value gets here.
            try await setSetting(key, value: generate())
            if let repaired = try await setting(key), isUsable(repaired) { return repaired }
            throw StoreError(.unavailable, context: "setting \(key) is not usable after it was replaced")
        }
        let winner = try await setSettingIfAbsent(key, value: generate())
        guard isUsable(winner) else { throw StoreError(.unavailable, context: "setting \(key) stored by another replica is not usable") }
        return winner
    }
}
