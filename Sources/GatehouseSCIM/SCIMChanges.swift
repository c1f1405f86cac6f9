/// What a change touched, for the audit log: attribute names only, never values.
public enum SCIMChanges {
    /// Top-level attributes (and extension attributes as `urn:…:name`) that differ.
    public static func changedAttributes(from old: [String: JSONValue], to new: [String: JSONValue], type: SCIMResourceType) -> [String] {
        var changed: [String] = []
        for key in Set(old.keys).union(new.keys) where old[key] != new[key] {
            if type.extension(key) != nil {
                let (a, b) = (old[key]?.objectValue ?? [:], new[key]?.objectValue ?? [:])
                changed += Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.map { "\(key):\($0)" }
            } else {
                changed.append(key)
            }
        }
        return changed.sorted()
    }

    /// Whether a request body carries a password anywhere (a key, or a PATCH path naming it), so
    /// the audit can say it was sent without it being stored.
    public static func mentionsPassword(_ body: JSONValue) -> Bool {
        switch body {
        case .object(let fields):
            return fields.contains { key, value in
                key.lowercased() == "password" || key.lowercased().hasSuffix(":password")
                    || (key.lowercased() == "path" && value.stringValue?.lowercased().hasSuffix("password") == true) || mentionsPassword(value)
            }
        case .array(let elements): return elements.contains(where: mentionsPassword)
        default: return false
        }
    }
}
