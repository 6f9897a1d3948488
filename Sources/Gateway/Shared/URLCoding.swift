import Foundation

/// Percent-decoding and -encoding of URL parts and query-string splitting, for both pipelines.
enum URLCoding {
    // Where the two pipelines' rules differ (`PipelineRules`):
    // - decoding a query component: REST turns `+` into spaces, then uses Foundation's `removingPercentEncoding`,
    //   so one invalid escape (or a non-UTF-8 result) leaves the whole component undecoded; HTTP API decodes byte
    //   by byte, keeps each invalid escape as written and replaces invalid UTF-8 with U+FFFD.
    // - encoding a query component: REST keeps Foundation's `alphanumerics` (any Unicode letter or digit) and
    //   `-._~`; HTTP API keeps only RFC 3986 unreserved ASCII and encodes every other byte as `%XX`.

    /// Decodes a query-string name or value (form encoding: `+` is a space).
    static func decodeQueryComponent(_ text: Substring, rules: PipelineRules) -> String {
        switch rules {
        case .restAPI:
            // Fast path (the usual case, same result without Foundation's bridging): nothing to decode.
            if !text.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) { return String(text) }
            let spaced = text.replacingOccurrences(of: "+", with: " ")
            return spaced.removingPercentEncoding ?? spaced
        case .httpAPI:
            return percentDecode(text, plusAsSpace: true)
        }
    }

    /// Splits a raw query string into decoded (name, value) pairs in order; `a` alone is `("a", "")`.
    static func queryPairs(_ raw: String, rules: PipelineRules) -> [(String, String)] {
        guard !raw.isEmpty else { return [] }
        return raw.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return (decodeQueryComponent(pair[..<equals], rules: rules),
                        decodeQueryComponent(pair[pair.index(after: equals)...], rules: rules))
            }
            return (decodeQueryComponent(pair, rules: rules), "")
        }
    }

    /// Percent-encodes a query-string name or value (for rebuilt query strings).
    static func encodeQueryComponent(_ text: String, rules: PipelineRules) -> String {
        switch rules {
        case .restAPI:
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
        case .httpAPI:
            var output = ""
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                     UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                     UInt8(ascii: "_"), UInt8(ascii: "~"):
                    output.unicodeScalars.append(Unicode.Scalar(byte))
                default:
                    output += String(format: "%%%02X", byte)
                }
            }
            return output
        }
    }

    /// Percent-decodes byte by byte; with `plusAsSpace`, `+` means a space (form encoding). Invalid escapes are
    /// kept as written, invalid UTF-8 becomes U+FFFD.
    static func percentDecode(_ text: Substring, plusAsSpace: Bool) -> String {
        guard text.contains("%") || (plusAsSpace && text.contains("+")) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), index + 2 < utf8.count,
               let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
            } else if byte == UInt8(ascii: "+") && plusAsSpace {
                bytes.append(UInt8(ascii: " "))
                index += 1
            } else {
                bytes.append(byte)
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
