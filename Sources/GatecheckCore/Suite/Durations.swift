import Foundation

/// Parses durations written in suites and on the command line: `5s`, `500ms`, `1.5s`, `2m`, or a bare
/// number of seconds (`3`, `0.25`).
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        var number = trimmed
        var scale = 1.0
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            number = String(trimmed.dropLast(suffix.count)).trimmingCharacters(in: .whitespaces)
            scale = factor
            break
        }
        guard let value = Double(number), value.isFinite, value >= 0, !number.isEmpty,
              number.allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
        let microseconds = (value * scale * 1_000_000).rounded()
        guard microseconds < Double(Int64.max) else { return nil }  // too long for Duration (~292,000 years)
        return .microseconds(Int64(microseconds))
    }

    /// `12 ms`, `1.53 s`.
    public static func format(_ duration: Duration) -> String {
        let ms = duration.milliseconds
        if ms < 1000 { return "\(Int(ms.rounded())) ms" }
        return String(format: "%.2f s", ms / 1000)
    }
}

extension Duration {
    /// The duration in (fractional) seconds.
    public var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }

    /// The duration in (fractional) milliseconds.
    public var milliseconds: Double { seconds * 1000 }
}
