/// Programs whose steps touch separate fields (no path of one step is, or is inside, a path
/// of another) give the same result whatever order their edits are made in, except that new
/// members go last in program order. On text whose keys are unique they are planned on the
/// original bytes and written out in one pass: one scan per object touched and one copy of
/// the event, instead of a scan and a copy per step.
extension RemapByteProgram {
    /// One change of the original text: `range` replaced by `bytes`.
    struct Splice {
        var range: Range<Int>
        var bytes: [UInt8]
        /// New members (`,"a":1...`) before an object's closing brace: the first comma goes
        /// when nothing of the object is left before them.
        var addsMembers = false
    }

    /// New members for one object, in program order.
    private struct Insertion {
        var close: Int
        var bytes: [UInt8] = []

        /// Appends `,"name":value`, given `"name":` as JSON (``RemapByteProgram/memberNames``).
        mutating func append(memberName: [UInt8], value: Value, from text: UnsafeBufferPointer<UInt8>) {
            if bytes.isEmpty { bytes.reserveCapacity(128) }
            bytes.append(UInt8(ascii: ","))
            bytes += memberName
            switch value {
            case .constant(let json): bytes += json
            case .original(let range): bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[range]))
            }
        }
    }

    /// A value a step writes: fixed JSON, or bytes of the original text.
    private enum Value {
        case constant([UInt8])
        case original(Range<Int>)
    }

    /// Each step's target name written as the start of a member (`"name":`), empty for a
    /// removal: what an insertion writes, encoded once at load.
    static func memberNames(_ steps: [Step]) -> [[UInt8]] {
        steps.map { step in
            switch step {
            case .set(let to, _), .copy(let to, _), .move(let to, _):
                var bytes: [UInt8] = []
                JSONWriter.writeString(to.last!, into: &bytes)
                return bytes + [UInt8(ascii: ":")]
            case .remove:
                return []
            }
        }
    }

    /// The objects the steps may add a member to (the parents of their targets).
    static func writtenParents(_ steps: [Step]) -> [[String]] {
        var parents: [[String]] = []
        for step in steps {
            switch step {
            case .set(let to, _), .copy(let to, _), .move(let to, _):
                if !parents.contains(Array(to.dropLast())) { parents.append(Array(to.dropLast())) }
            case .remove:
                break
            }
        }
        return parents
    }

    /// Whether no path of a step is a prefix of (or equal to) a path of another step or of the
    /// same step.
    static func stepsAreIndependent(_ steps: [Step]) -> Bool {
        let paths = steps.map { step -> [[String]] in
            switch step {
            case .set(let to, _): [to]
            case .copy(let to, let from), .move(let to, let from): [to, from]
            case .remove(let path): [path]
            }
        }
        let all = paths.flatMap { $0 }
        for (index, path) in all.enumerated() {
            for other in all[(index + 1)...] where path.starts(with: other) || other.starts(with: path) {
                return false
            }
        }
        return true
    }

    /// The edited text in one pass, or nil when an edit needs the tree or two edits would
    /// overlap (the caller then runs the steps one by one). `rootKeys`: the root object's keys
    /// as far as known.
    func applyInOnePass(to text: ArraySlice<UInt8>, rootKeys: KeyFilter = .unknown) -> [UInt8]? {
        text.withUnsafeBufferPointer { bytes -> [UInt8]? in
            // With the root's keys known, a root member is looked up only up to its first match,
            // and one the filter rules out is not looked up at all.
            let knownRoot = rootKeys == .unknown ? nil : Self.rootBraces(in: bytes)
            // Sized up front: an event's edits should not grow arrays (W2's remap made 17
            // allocations per event before).
            var splices: [Splice] = []
            splices.reserveCapacity(2 * steps.count + 2)
            var insertions: [(object: Int, insertion: Insertion)] = []  // few objects: a list, not a dictionary
            insertions.reserveCapacity(writtenParents.count)
            func insertionIndex(_ object: Int) -> Int {
                if let index = insertions.firstIndex(where: { $0.object == object }) { return index }
                insertions.append((object, Insertion(close: -1)))
                return insertions.count - 1
            }

            // Objects that will get a new member are read whole, once (the name's absence must be
            // seen anyway); the others only up to the member wanted.
            typealias Table = (parent: Int, members: [(key: Range<Int>, member: JSONByteEditor.Member)], close: Int)
            var tables: [Table] = []  // allocated only when an object is read whole
            func member(_ path: [String], _ keys: KeyFilter?) -> (parent: Int, scan: JSONByteEditor.ObjectScan)? {
                guard let parent = JSONByteEditor.object(at: path.dropLast(), in: bytes, uniqueKeys: true) else { return nil }
                if path.count == 1, let knownRoot {
                    if let keys, !rootKeys.contains(keys) {
                        return (parent, JSONByteEditor.ObjectScan(found: nil, close: knownRoot.close))
                    }
                    return (parent, JSONByteEditor.scan(parent, in: bytes, for: path[0], uniqueKeys: true))
                }
                guard writtenParents.contains(where: { $0.elementsEqual(path.dropLast()) }) else {
                    return (parent, JSONByteEditor.scan(parent, in: bytes, for: path.last!, uniqueKeys: true))
                }
                let table: Table
                if let known = tables.first(where: { $0.parent == parent }) {
                    table = known
                } else {
                    let read = JSONByteEditor.members(of: parent, in: bytes)
                    table = (parent, read.members, read.close)
                    tables.append(table)
                }
                var name = path.last!
                let found = name.withUTF8 { wanted in
                    table.members.first { JSONPathScanner.keyMatches(UnsafeBufferPointer(rebasing: bytes[$0.key]), wanted) }?.member
                }
                return (parent, JSONByteEditor.ObjectScan(found: found, count: table.members.count, close: table.close))
            }
            func set(_ path: [String], _ keys: KeyFilter?, _ memberName: [UInt8], _ value: Value) -> Bool {
                guard let (parent, scan) = member(path, keys) else { return false }
                if let existing = scan.found {
                    let replacement: [UInt8] = switch value {
                    case .constant(let json): json
                    case .original(let range): Array(bytes[range])
                    }
                    splices.append(Splice(range: existing.value, bytes: replacement))
                    return true
                }
                let index = insertionIndex(parent)
                insertions[index].insertion.close = scan.close
                insertions[index].insertion.append(memberName: memberName, value: value, from: bytes)
                return true
            }
            // The value at `path`, its member cut too when `cutting` (one scan for both). A
            // missing member or parent leaves nothing to cut, as in the steps one by one.
            func value(_ path: [String], _ keys: KeyFilter?, cutting: Bool = false) -> Value {
                guard let (_, scan) = member(path, keys), let found = scan.found else { return .constant(Self.null) }
                if cutting { splices.append(Splice(range: found.cut, bytes: [])) }
                return .original(found.value)
            }

            for index in steps.indices {
                let keys = self.rootKeys[index]
                switch steps[index] {
                case .set(let to, let json):
                    guard set(to, keys.to, memberNames[index], .constant(json)) else { return nil }
                case .copy(let to, let from):
                    guard set(to, keys.to, memberNames[index], value(from, keys.from)) else { return nil }
                case .move(let to, let from):
                    // The value's bytes stay in the original text, which the cut does not change.
                    let moved = value(from, keys.from, cutting: true)
                    guard set(to, keys.to, memberNames[index], moved) else { return nil }
                case .remove(let path):
                    _ = value(path, keys.from, cutting: true)
                }
            }
            // Each object's new members go before its closing brace (the splices are sorted below).
            for (_, insertion) in insertions where !insertion.bytes.isEmpty {
                splices.append(Splice(range: insertion.close..<insertion.close, bytes: insertion.bytes, addsMembers: true))
            }
            splices.sort { $0.range.lowerBound < $1.range.lowerBound || $0.range.lowerBound == $1.range.lowerBound && !$0.range.isEmpty }
            var result: [UInt8] = []
            result.reserveCapacity(bytes.count + splices.reduce(0) { $0 + $1.bytes.count })
            var cursor = 0
            for splice in splices {
                // Overlapping edits (two cuts sharing a comma): leave it to the steps one by one.
                guard splice.range.lowerBound >= cursor else { return nil }
                result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[cursor..<splice.range.lowerBound]))
                if splice.addsMembers, Self.lastNonWhitespace(in: result) == UInt8(ascii: "{") {
                    result += splice.bytes.dropFirst()
                } else {
                    result += splice.bytes
                }
                cursor = splice.range.upperBound
            }
            result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[cursor...]))
            return result
        }
    }

    /// The last byte of `bytes` that is not white space (nil when there is none).
    private static func lastNonWhitespace(in bytes: [UInt8]) -> UInt8? {
        bytes.last { !JSONPathScanner.isWhitespace($0) }
    }
}
