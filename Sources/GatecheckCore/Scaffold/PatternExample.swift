import Gateway

/// A short text a regular expression matches as a whole: the error message `gatecheck init` has a scripted Lambda
/// raise so that an integration response's selection pattern is selected. It understands literals, escapes (`\d`,
/// `\w`, `\s`, `\.`), `.`, character classes (`[45]`, `[^x]`, `[a-z]`), groups with alternation (the first branch),
/// anchors, and the quantifiers `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` (their smallest count). The result is checked with the gateway's own `SelectionPattern`; nil when the pattern is
/// beyond this (backreferences, lookarounds, ...) or the text does not match after all.
enum PatternExample {
    static func example(for pattern: String) -> String? {
        var parser = Parser(characters: Array(pattern))
        guard let text = parser.alternation(), parser.index == parser.characters.count else { return nil }
        guard let compiled = try? SelectionPattern(pattern), compiled.matches(text) else { return nil }
        return text
    }

    private struct Parser {
        let characters: [Character]
        var index = 0

        var atEnd: Bool { index >= characters.count }
        var current: Character? { atEnd ? nil : characters[index] }

        /// `a|b|c`: the first branch.
        mutating func alternation() -> String? {
            guard let first = sequence() else { return nil }
            while current == "|" {
                index += 1
                guard sequence() != nil else { return nil }
            }
            return first
        }

        mutating func sequence() -> String? {
            var text = ""
            while let character = current, character != "|", character != ")" {
                guard let atom = self.atom(), let count = quantifier() else { return nil }
                text += String(repeating: atom, count: count.minimum)
            }
            return text
        }

        /// One atom: the text it contributes once.
        mutating func atom() -> String? {
            guard let character = current else { return nil }
            index += 1
            switch character {
            case ".": return "x"
            case "^", "$": return ""
            case "(":
                if current == "?" {
                    // Only non-capturing groups `(?:...)`.
                    guard index + 1 < characters.count, characters[index + 1] == ":" else { return nil }
                    index += 2
                }
                guard let inner = alternation(), current == ")" else { return nil }
                index += 1
                return inner
            case "[": return characterClass()
            case "\\": return escape()
            case "*", "+", "?", "{", ")", "]", "}": return nil
            default: return String(character)
            }
        }

        mutating func escape() -> String? {
            guard let character = current else { return nil }
            index += 1
            switch character {
            case "d": return "0"
            case "w": return "a"
            case "s": return " "
            case "D", "W", "S": return "-"
            case "n": return "\n"
            case "t": return "\t"
            case "b", "B", "A", "z", "Z": return ""
            default: return character.isLetter || character.isNumber ? nil : String(character)
            }
        }

        mutating func characterClass() -> String? {
            var negated = false
            if current == "^" { negated = true; index += 1 }
            var members: [Character] = []
            var first = true
            while let character = current, character != "]" || first {
                first = false
                index += 1
                if character == "\\" {
                    guard let escaped = escape(), let member = escaped.first else { return nil }
                    members.append(member)
                } else {
                    members.append(character)
                }
            }
            guard current == "]" else { return nil }
            index += 1
            if negated {
                return ["x", "0", "-", " ", "Z"].first { !members.contains($0) }.map(String.init)
            }
            return members.first.map(String.init)
        }

        struct Count {
            var minimum: Int
        }

        mutating func quantifier() -> Count? {
            var count: Count
            switch current {
            case "*": index += 1; count = Count(minimum: 0)
            case "+": index += 1; count = Count(minimum: 1)
            case "?": index += 1; count = Count(minimum: 0)
            case "{":
                index += 1
                var digits = ""
                while let character = current, character.isNumber { digits.append(character); index += 1 }
                if current == "," {
                    index += 1
                    while let character = current, character.isNumber { index += 1 }
                }
                guard current == "}", let minimum = Int(digits) else { return nil }
                index += 1
                count = Count(minimum: minimum)
            default:
                return Count(minimum: 1)
            }
            if current == "?" || current == "+" { index += 1 }  // lazy or possessive: the same smallest count
            return count
        }
    }
}
