import Synchronization

/// A condition compiled into a flat list of steps, so that testing an event walks no tree.
///
/// `&&`, `||` and `!` become jumps over one flag, `starts_with`/`ends_with` of a field
/// and `==`/`!=` between a field and a string literal become steps that compare the field's
/// bytes where they lie in the event's text, and `<`, `<=`, `>`, `>=` between a field (or
/// `to_number` of one) and a number literal become steps that read the field's number from
/// its bytes. Steps hold only numbers: reading one retains nothing, where walking the tree
/// retained every node it passed. Fields are named by a
/// number shared by every program, so the conditions of a `route` that read the same field
/// find it once and compare a number to know it.
///
/// Any other operand is evaluated by ``Evaluator`` from its node. When a step cannot decide
/// (a field that is not a plain string, an operand that is not a boolean, an error) the
/// program gives up and the whole tree is evaluated instead: expressions have no side
/// effects, so the tree gives the same answer, and the same error, as it always did.
struct ConditionProgram: Sendable {
    /// One step. Every step but the jumps sets the flag.
    enum Step: Sendable {
        /// The field `paths[path]` starts (or ends) with `literals[literal]`.
        case affix(Affix, path: Int, literal: Range<Int>)
        /// The field `paths[path]` is the string `literals[literal]`.
        case equal(path: Int, literal: Range<Int>)
        /// The number of the field `paths[path]` (with `converting`, read as `to_number` reads
        /// it) compared with `numbers[literal]`.
        case compareNumber(NumberComparison, path: Int, literal: Int, converting: Bool)
        /// The flag of `nodes[node]`, evaluated.
        case node(Int)
        /// `||`: when the flag is true, skip to `target`.
        case jumpIfTrue(Int)
        /// `&&`: when the flag is false, skip to `target`.
        case jumpIfFalse(Int)
        /// `!`: the flag flipped.
        case not
    }

    private var steps: [Step] = []
    /// The fields the comparing steps read, and their shared numbers (``PathNumbers``).
    private var paths: [Path] = []
    private var pathNumbers: [Int] = []
    /// The comparing steps' literals, one after another.
    private var literals: [UInt8] = []
    /// The number literals the number comparisons read (`.int` or `.double`).
    private var numbers: [JSONValue] = []
    /// The operands evaluated from their nodes.
    private var nodes: [ExpressionNode] = []

    /// Compiles `root`.
    init(_ root: ExpressionNode) {
        compile(root)
    }

    private mutating func compile(_ node: ExpressionNode) {
        switch node.kind {
        case .binary(let op, let left, let right) where op == .and || op == .or:
            compile(left)
            let jump = steps.count
            steps.append(.not)  // replaced once the target is known
            compile(right)
            steps[jump] = op == .or ? .jumpIfTrue(steps.count) : .jumpIfFalse(steps.count)
        case .not(let operand):
            compile(operand)
            steps.append(.not)
        case .affix(let affix, let subject, let literal):
            guard case .path(let path) = subject.kind else { return evaluated(node) }
            let (field, bytes) = field(path, literal)
            steps.append(.affix(affix, path: field, literal: bytes))
        case .binary(let op, let left, let right) where op == .equal || op == .notEqual:
            switch (left.kind, right.kind) {
            case (.path(let path), .literal(.string(let literal))), (.literal(.string(let literal)), .path(let path)):
                let (field, bytes) = field(path, Array(literal.utf8))
                steps.append(.equal(path: field, literal: bytes))
                if op == .notEqual { steps.append(.not) }
            default:
                evaluated(node)
            }
        case .binary(let op, let left, let right):
            guard let comparison = NumberComparison(op), let operands = Self.numberOperands(left, right) else { return evaluated(node) }
            steps.append(.compareNumber(operands.literalFirst ? comparison.flipped : comparison, path: field(operands.path),
                                        literal: numbers.count, converting: operands.converting))
            numbers.append(operands.literal)
        default:
            evaluated(node)
        }
    }

    /// A field (or `to_number` of one) and a number literal, in either order.
    private static func numberOperands(_ left: ExpressionNode, _ right: ExpressionNode)
        -> (path: Path, converting: Bool, literal: JSONValue, literalFirst: Bool)?
    {
        func field(_ node: ExpressionNode) -> (Path, Bool)? {
            switch node.kind {
            case .path(let path): (path, false)
            case .call(let function, let arguments) where function.name == "to_number" && arguments.count == 1:
                if case .path(let path) = arguments[0].kind { (path, true) } else { nil }
            default: nil
            }
        }
        func number(_ node: ExpressionNode) -> JSONValue? {
            switch node.kind {
            case .literal(let value):
                switch value {
                case .int, .double: value
                default: nil
                }
            default: nil
            }
        }
        if let (path, converting) = field(left), let literal = number(right) { return (path, converting, literal, false) }
        if let literal = number(left), let (path, converting) = field(right) { return (path, converting, literal, true) }
        return nil
    }

    /// Adds a field and a literal for a step to compare; their indices.
    private mutating func field(_ path: Path, _ literal: [UInt8]) -> (path: Int, literal: Range<Int>) {
        let start = literals.count
        literals += literal
        return (field(path), start..<literals.count)
    }

    /// Adds a field for a step to read; its index.
    private mutating func field(_ path: Path) -> Int {
        paths.append(path)
        pathNumbers.append(PathNumbers.number(of: path))
        return paths.count - 1
    }

    /// A step that evaluates `node`.
    private mutating func evaluated(_ node: ExpressionNode) {
        steps.append(.node(nodes.count))
        nodes.append(node)
    }

    /// The condition's flag for `subject`, or nil when a step could not decide it.
    func run(_ subject: inout EvaluationSubject) -> Bool? {
        steps.withUnsafeBufferPointer { steps in
            pathNumbers.withUnsafeBufferPointer { pathNumbers in
                literals.withUnsafeBufferPointer { literals in
                    var flag = false
                    var index = 0
                    while index < steps.count {
                        switch steps[index] {
                        case .affix(let affix, let path, let literal):
                            let literal = UnsafeBufferPointer(rebasing: literals[literal])
                            guard let result = subject.compareString(at: paths[path], number: pathNumbers[path], other: nil, {
                                affix.test($0, literal)
                            }) else { return nil }
                            flag = result
                        case .equal(let path, let literal):
                            let literal = UnsafeBufferPointer(rebasing: literals[literal])
                            guard let result = subject.compareString(at: paths[path], number: pathNumbers[path], other: false, {
                                Self.equal($0, literal)
                            }) else { return nil }
                            flag = result
                        case .compareNumber(let comparison, let path, let literal, let converting):
                            let literal = numbers[literal]
                            guard let result = subject.readNumber(at: paths[path], number: pathNumbers[path], converting: converting, {
                                guard let order = try? ValueOperations.compare($0, literal) else { return nil }
                                return comparison.holds(order)
                            }) else { return nil }
                            flag = result
                        case .node(let node):
                            guard let result = try? Evaluator.flag(nodes[node], &subject) else { return nil }
                            flag = result
                        case .jumpIfTrue(let target):
                            if flag {
                                index = target
                                continue
                            }
                        case .jumpIfFalse(let target):
                            if !flag {
                                index = target
                                continue
                            }
                        case .not:
                            flag.toggle()
                        }
                        index += 1
                    }
                    return flag
                }
            }
        }
    }
}

extension ConditionProgram {
    /// Whether `string` is `literal`; nil when only `String` can tell: Swift compares strings
    /// by their characters, so different bytes beyond ASCII may still be equal (`é` written
    /// as one scalar or as `e` and an accent).
    private static func equal(_ string: UnsafeBufferPointer<UInt8>, _ literal: UnsafeBufferPointer<UInt8>) -> Bool? {
        if string.elementsEqual(literal) { return true }
        return string.allSatisfy { $0 < 0x80 } && literal.allSatisfy { $0 < 0x80 } ? false : nil
    }
}

/// An ordering operator, as a step compares with it.
enum NumberComparison: Sendable {
    case less, lessOrEqual, greater, greaterOrEqual

    init?(_ op: BinaryOperator) {
        switch op {
        case .less: self = .less
        case .lessOrEqual: self = .lessOrEqual
        case .greater: self = .greater
        case .greaterOrEqual: self = .greaterOrEqual
        default: return nil
        }
    }

    /// The operator with its operands swapped (`20 < x` is `x > 20`).
    var flipped: NumberComparison {
        switch self {
        case .less: .greater
        case .lessOrEqual: .greaterOrEqual
        case .greater: .less
        case .greaterOrEqual: .lessOrEqual
        }
    }

    /// Whether an order (``ValueOperations/compare(_:_:)``: -1, 0, 1) satisfies the operator.
    func holds(_ order: Int) -> Bool {
        switch self {
        case .less: order < 0
        case .lessOrEqual: order <= 0
        case .greater: order > 0
        case .greaterOrEqual: order >= 0
        }
    }
}

/// Numbers for paths, the same for equal paths in every program compiled in this process:
/// a lookup made for one condition is known to the next by comparing numbers.
///
/// Paths are numbered when configurations are loaded, never per event; the table holds each
/// distinct path once, so it grows with the configurations loaded, not with the events.
enum PathNumbers {
    private static let table = Mutex<[Path: Int]>([:])

    /// `path`'s number.
    static func number(of path: Path) -> Int {
        table.withLock { table in
            if let number = table[path] { return number }
            table[path] = table.count
            return table.count - 1
        }
    }
}
