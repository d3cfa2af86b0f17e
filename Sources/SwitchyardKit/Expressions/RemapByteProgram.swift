/// A remap program run as edits of the event's JSON text, with no tree: what a program made
/// only of `.a = <constant>`, `.a = .b`, `.a = del(.b)` and `del(.a)` on field paths becomes,
/// decided once at load. Most remaps in practice (tag, rename, drop a field) are of this
/// kind; building and writing back a 500-byte event's tree to change three fields was most
/// of their cost.
struct RemapByteProgram: Sendable {
    enum Step: Sendable {
        /// `.to = <constant>`, the constant's JSON bytes.
        case set(to: [String], json: [UInt8])
        /// `.to = .from`
        case copy(to: [String], from: [String])
        /// `.to = del(.from)`
        case move(to: [String], from: [String])
        /// `del(.path)`
        case remove([String])
    }

    let steps: [Step]
    /// Whether the steps touch separate fields (see ``applyInOnePass(to:)``).
    let independent: Bool
    /// The objects the steps may add a member to: read whole in one pass.
    let writtenParents: [[String]]
    /// Each step's paths as root key filters, where a path is one field with a name the filter
    /// can hold (see ``KeyFilter/init(name:)``).
    let rootKeys: [(to: KeyFilter?, from: KeyFilter?)]
    /// Each step's target name as the start of a member (`"name":`), for insertions.
    let memberNames: [[UInt8]]
    /// The root keys the program may add: an edited event's root filter gains them.
    let addedRootKeys: KeyFilter
    /// For a program that only sets root fields to constants: the members it adds, written
    /// out (`,"a":1,"b":"x"`), for text whose root is known not to have them.
    let rootMembers: [UInt8]?

    /// The byte program for `statements`, or nil when one of them needs the tree.
    init?(_ statements: [RemapStatement]) {
        var steps: [Step] = []
        for statement in statements {
            switch statement.kind {
            case .assign(let path, let expression):
                guard let to = Self.fields(path) else { return nil }
                switch expression.kind {
                case .literal(let value): steps.append(.set(to: to, json: Array(JSONWriter.string(value).utf8)))
                case .path(let source):
                    guard let from = Self.fields(source) else { return nil }
                    steps.append(.copy(to: to, from: from))
                case .delete(let source):
                    guard let from = Self.fields(source) else { return nil }
                    steps.append(.move(to: to, from: from))
                default: return nil
                }
            case .evaluate(let expression):
                guard case .delete(let path) = expression.kind, let fields = Self.fields(path) else { return nil }
                steps.append(.remove(fields))
            case .conditional, .abort:
                return nil
            }
        }
        guard !steps.isEmpty else { return nil }
        self.steps = steps
        self.independent = Self.stepsAreIndependent(steps)
        self.writtenParents = Self.writtenParents(steps)
        self.rootKeys = steps.map(Self.rootKeys)
        self.memberNames = Self.memberNames(steps)
        self.addedRootKeys = Self.addedRootKeys(steps)
        self.rootMembers = Self.rootMembers(steps)
    }

    /// A path of fields only (at least one), or nil.
    private static func fields(_ path: Path) -> [String]? {
        guard !path.segments.isEmpty else { return nil }
        var names: [String] = []
        for segment in path.segments {
            guard case .field(let name) = segment else { return nil }
            names.append(name)
        }
        return names
    }

    static let null = Array("null".utf8)

    /// The edited text, or nil when an edit needs the tree (a parent to create, a non-object in
    /// the way): the caller then runs the program on the tree, which gives the same result.
    /// `uniqueKeys`: no object of the text repeats a key (and none of the edited one will).
    /// `rootKeys`: the root object's keys as far as known (only with `uniqueKeys`).
    func apply(to text: ArraySlice<UInt8>, uniqueKeys: Bool, rootKeys: KeyFilter = .unknown) -> [UInt8]? {
        if uniqueKeys, independent, let edited = applyInOnePass(to: text, rootKeys: rootKeys) { return edited }
        var text = Array(text)
        for step in steps {
            switch step {
            case .set(let to, let json):
                guard let edited = JSONByteEditor.setting(to, to: json, in: text, uniqueKeys: uniqueKeys) else { return nil }
                text = edited
            case .copy(let to, let from):
                let value = JSONByteEditor.value(at: from, in: text, uniqueKeys: uniqueKeys).map(Array.init) ?? Self.null
                guard let edited = JSONByteEditor.setting(to, to: value, in: text, uniqueKeys: uniqueKeys) else { return nil }
                text = edited
            case .move(let to, let from):
                let value = JSONByteEditor.value(at: from, in: text, uniqueKeys: uniqueKeys).map(Array.init) ?? Self.null
                let removed = JSONByteEditor.removing(from, from: text, uniqueKeys: uniqueKeys)
                guard let edited = JSONByteEditor.setting(to, to: value, in: removed, uniqueKeys: uniqueKeys) else { return nil }
                text = edited
            case .remove(let path):
                text = JSONByteEditor.removing(path, from: text, uniqueKeys: uniqueKeys)
            }
        }
        return text
    }
}
