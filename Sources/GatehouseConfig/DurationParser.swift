/// Parses durations written as one or more number-unit pairs: `500ms`, `30s`, `15m`, `8h`, `1h30m`, `7d`.
enum DurationParser {
    static func parse(_ text: String) -> Duration? {
        var total = Duration.zero
        var rest = Substring(text.trimmingCharacters(in: " "))
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard let amount = Int64(digits), amount <= 1_000_000_000 else { return nil }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix(while: { $0.isLetter })
            rest = rest.dropFirst(unit.count)
            switch unit {
            case "ms": total += .milliseconds(amount)
            case "s": total += .seconds(amount)
            case "m": total += .seconds(amount * 60)
            case "h": total += .seconds(amount * 3_600)
            case "d": total += .seconds(amount * 86_400)
            default: return nil
            }
        }
        return total
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var text = Substring(self)
        while text.first == set { text = text.dropFirst() }
        while text.last == set { text = text.dropLast() }
        return String(text)
    }
}
