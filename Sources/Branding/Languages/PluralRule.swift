/// A gettext `Plural-Forms` rule: `nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : …);`, the C expression that picks
/// which `msgstr[i]` a count takes. Parsed once into a tree, so adding a language never needs code.
package struct PluralRule: Sendable {
    package let count: Int
    private let expression: Expression

    /// English's rule, for catalogs that do not state one.
    package static let germanic = try! PluralRule("nplurals=2; plural=(n != 1);")

    package struct Invalid: Error, Equatable {
        package let reason: String
    }

    package init(_ header: String) throws(Invalid) {
        var count: Int?
        var source: String?
        for part in header.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "nplurals" { count = Int(pair[1]) }
            if pair[0] == "plural" { source = pair[1] }
        }
        guard let count, (1...6).contains(count) else { throw Invalid(reason: "nplurals must be 1 to 6") }
        guard let source else { throw Invalid(reason: "no plural= expression") }
        var parser = Parser(tokens: try Self.tokens(source))
        let expression = try parser.conditional()
        guard parser.isAtEnd else { throw Invalid(reason: "unexpected text after the expression") }
        self.count = count
        self.expression = expression
    }

    /// The form a count takes, clamped to the forms that exist.
    package func form(for n: Int) -> Int {
        min(max(expression.value(UInt64(n.magnitude)), 0), UInt64(count - 1)).toInt
    }

    fileprivate indirect enum Expression: Sendable {
        case n
        case number(UInt64)
        case not(Expression)
        case binary(String, Expression, Expression)
        case conditional(Expression, Expression, Expression)

        func value(_ n: UInt64) -> UInt64 {
            switch self {
            case .n: return n
            case .number(let value): return value
            case .not(let inner): return inner.value(n) == 0 ? 1 : 0
            case .conditional(let test, let then, let otherwise):
                return test.value(n) != 0 ? then.value(n) : otherwise.value(n)
            case .binary(let op, let left, let right):
                let a = left.value(n)
                if op == "&&" { return a != 0 && right.value(n) != 0 ? 1 : 0 }
                if op == "||" { return a != 0 || right.value(n) != 0 ? 1 : 0 }
                let b = right.value(n)
                switch op {
                case "==": return a == b ? 1 : 0
                case "!=": return a != b ? 1 : 0
                case "<": return a < b ? 1 : 0
                case "<=": return a <= b ? 1 : 0
                case ">": return a > b ? 1 : 0
                case ">=": return a >= b ? 1 : 0
                case "%": return b == 0 ? 0 : a % b
                case "/": return b == 0 ? 0 : a / b
                case "*": return a &* b
                case "+": return a &+ b
                default: return a >= b ? a - b : 0
                }
            }
        }
    }

    private static func tokens(_ source: String) throws(Invalid) -> [String] {
        var tokens: [String] = []
        var characters = Array(source)[...]
        while let first = characters.first {
            if first.isWhitespace {
                characters.removeFirst()
            } else if first.isNumber {
                let digits = characters.prefix(while: \.isNumber)
                tokens.append(String(digits))
                characters.removeFirst(digits.count)
            } else if first == "n" || "()?:+-*/%".contains(first) {
                tokens.append(String(first))
                characters.removeFirst()
            } else {
                let pair = String(characters.prefix(2))
                if ["==", "!=", "<=", ">=", "&&", "||"].contains(pair) {
                    tokens.append(pair)
                    characters.removeFirst(2)
                } else if first == "<" || first == ">" || first == "!" {
                    tokens.append(String(first))
                    characters.removeFirst()
                } else {
                    throw Invalid(reason: "unexpected character \(first)")
                }
            }
        }
        return tokens
    }

    /// Precedence climbing over C's operators, lowest first.
    private struct Parser {
        var tokens: [String]
        var position = 0
        var isAtEnd: Bool { position == tokens.count }
        static let levels: [[String]] = [
            ["||"], ["&&"], ["==", "!="], ["<", "<=", ">", ">="], ["+", "-"], ["*", "/", "%"],
        ]

        mutating func conditional() throws(Invalid) -> Expression {
            let test = try binary(level: 0)
            guard peek == "?" else { return test }
            position += 1
            let then = try conditional()
            guard peek == ":" else { throw Invalid(reason: "? without :") }
            position += 1
            return .conditional(test, then, try conditional())
        }

        var peek: String? { position < tokens.count ? tokens[position] : nil }

        mutating func binary(level: Int) throws(Invalid) -> Expression {
            guard level < Self.levels.count else { return try unary() }
            var left = try binary(level: level + 1)
            while let op = peek, Self.levels[level].contains(op) {
                position += 1
                left = .binary(op, left, try binary(level: level + 1))
            }
            return left
        }

        mutating func unary() throws(Invalid) -> Expression {
            guard let token = peek else { throw Invalid(reason: "the expression ends early") }
            position += 1
            switch token {
            case "!": return .not(try unary())
            case "n": return .n
            case "(":
                let inner = try conditional()
                guard peek == ")" else { throw Invalid(reason: "( without )") }
                position += 1
                return inner
            default:
                guard let value = UInt64(token) else { throw Invalid(reason: "unexpected \(token)") }
                return .number(value)
            }
        }
    }
}

extension UInt64 {
    fileprivate var toInt: Int { Int(truncatingIfNeeded: self) }
}
