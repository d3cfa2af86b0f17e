import Synchronization

/// A path into an event: `.`, `.a.b`, `.a[0]`, `.a[-1]`, `."key with spaces"`.
public struct Path: Sendable, Hashable, CustomStringConvertible {
    /// One step of a path.
    public enum Segment: Sendable, Hashable {
        case field(String)
        /// An array index; negative counts from the end.
        case index(Int)
    }

    /// The path's steps, from the root.
    public var segments: [Segment]

    /// A path made of `segments`.
    public init(_ segments: [Segment]) { self.segments = segments }

    public var description: String {
        if segments.isEmpty { return "." }
        return segments.map { segment in
            switch segment {
            case .field(let name):
                let plain = !name.isEmpty && name.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
                return plain ? ".\(name)" : ".\"\(name)\""
            case .index(let index): return "[\(index)]"
            }
        }.joined()
    }

    /// The value at this path in `root`, or nil when the path does not exist.
    public func value(in root: JSONValue) -> JSONValue? {
        var current = root
        for segment in segments {
            switch (segment, current) {
            case (.field(let name), .object(let object)):
                guard let next = object[name] else { return nil }
                current = next
            case (.index(let index), .array(let elements)):
                let resolved = index < 0 ? elements.count + index : index
                guard resolved >= 0, resolved < elements.count else { return nil }
                current = elements[resolved]
            default:
                return nil
            }
        }
        return current
    }

    /// Sets the value at this path, making objects (and padding arrays with null) on the way.
    public func set(_ value: JSONValue, in root: inout JSONValue) throws(EvaluationError) {
        try Self.set(value, in: &root, segments: segments[...], path: self)
    }

    private static func set(_ value: JSONValue, in target: inout JSONValue, segments: ArraySlice<Segment>,
                            path: Path) throws(EvaluationError) {
        guard let segment = segments.first else {
            target = value
            return
        }
        let rest = segments.dropFirst()
        switch segment {
        case .field(let name):
            if case .null = target { target = .object(JSONObject()) }
            guard case .object(var object) = target else {
                throw EvaluationError(offset: 0, "cannot set \(path): a \(target.typeName) is in the way")
            }
            target = .null
            var child = object.removeValueKeepingSlot(name) ?? .null
            try set(value, in: &child, segments: rest, path: path)
            object[name] = child
            target = .object(object)
        case .index(let index):
            if case .null = target { target = .array([]) }
            guard case .array(var elements) = target else {
                throw EvaluationError(offset: 0, "cannot set \(path): a \(target.typeName) is in the way")
            }
            let resolved = index < 0 ? elements.count + index : index
            guard resolved >= 0 else { throw EvaluationError(offset: 0, "cannot set \(path): index out of range") }
            target = .null
            while elements.count <= resolved { elements.append(.null) }
            try set(value, in: &elements[resolved], segments: rest, path: path)
            target = .array(elements)
        }
    }

    /// Removes the value at this path and returns it (null when it was not there).
    @discardableResult
    public func remove(from root: inout JSONValue) -> JSONValue {
        guard !segments.isEmpty else {
            defer { root = .object(JSONObject()) }
            return root
        }
        return Self.remove(from: &root, segments: segments[...])
    }

    private static func remove(from target: inout JSONValue, segments: ArraySlice<Segment>) -> JSONValue {
        let segment = segments.first!
        let rest = segments.dropFirst()
        switch (segment, target) {
        case (.field(let name), .object(var object)):
            target = .null
            defer { target = .object(object) }
            if rest.isEmpty { return object.removeValue(forKey: name) ?? .null }
            guard var child = object.removeValueKeepingSlot(name) else { return .null }
            let removed = remove(from: &child, segments: rest)
            object[name] = child
            return removed
        case (.index(let index), .array(var elements)):
            let resolved = index < 0 ? elements.count + index : index
            guard resolved >= 0, resolved < elements.count else { return .null }
            target = .null
            defer { target = .array(elements) }
            if rest.isEmpty { return elements.remove(at: resolved) }
            return remove(from: &elements[resolved], segments: rest)
        default:
            return .null
        }
    }
}

extension JSONObject {
    /// Takes the value of `key` out for in-place change, leaving `null` in its slot (keeps key order,
    /// and leaves the value uniquely referenced so changing it does not copy).
    mutating func removeValueKeepingSlot(_ key: String) -> JSONValue? {
        guard let value = self[key] else { return nil }
        self[key] = .null
        return value
    }
}

extension Path {
    /// The storage of every distinct path the parser has made.
    private static let internedSegments = Mutex<Set<[Segment]>>([])

    /// A path sharing its storage with every equal path parsed before: comparing two of them
    /// (the 32 conditions of a `route` that all read `.context.id`, each checking the lookup
    /// the last one made) is then a pointer comparison instead of one of their names.
    static func interned(_ segments: [Segment]) -> Path {
        guard !segments.isEmpty else { return Path(segments) }
        return internedSegments.withLock { known in
            if let index = known.firstIndex(of: segments) { return Path(known[index]) }
            known.insert(segments)
            return Path(segments)
        }
    }
}
