/// Decodes a stage's `Configuration` from a ``ConfigNode``, strictly.
///
/// Every error carries the position of the offending node. Keys that the
/// configuration type never asked for are reported as unknown, with a
/// "did you mean" when one of the known keys is close.
public struct ConfigDecoder {
    public init() {}

    /// Decodes `type` from `node`; on failure throws every problem found as a ``ConfigurationError``.
    /// - Parameters:
    ///   - knownKeys: option names of the top-level mapping that are valid even if decoding
    ///     stopped before reading them (used for "did you mean").
    public func decode<T: Decodable>(_ type: T.Type, from node: ConfigNode, path: [String] = [],
                                     knownKeys: [String] = []) throws(ConfigurationError) -> T {
        let session = ConfigDecodingSession()
        var diagnostics: [Diagnostic] = []
        var result: T?
        // Visit the top mapping up front, so its unknown keys are found even if the type reads none.
        if node.mapping != nil { session.visit(node, path: path.map(ConfigCodingKey.init)) }
        do {
            result = try T(from: ConfigNodeDecoder(node: node, session: session, codingPath: path.map(ConfigCodingKey.init))
                .decoding(T.self))
        } catch let error as Diagnostic {
            diagnostics.append(error)
        } catch let error as DecodingError {
            diagnostics.append(session.diagnostic(for: error, fallback: node))
        } catch {
            diagnostics.append(Diagnostic(at: node.location, "\(error)"))
        }
        diagnostics += session.unknownKeyDiagnostics(topLevel: node, knownTopLevelKeys: knownKeys,
                                                     decodingFailed: result == nil)
        if let result, diagnostics.isEmpty { return result }
        throw ConfigurationError(diagnostics.sorted { $0.location < $1.location })
    }
}

/// A coding key made from a string or an index.
struct ConfigCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        stringValue = "[\(intValue)]"
        self.intValue = intValue
    }
}

/// Shared state of one decode: which mapping keys were read, and where nodes are.
final class ConfigDecodingSession {
    private struct VisitedMapping {
        var node: ConfigNode
        var path: String
        var readKeys: Set<String>
        var missingKeys: Set<String>
    }

    private var visited: [String: VisitedMapping] = [:]
    private var order: [String] = []

    private static func key(_ node: ConfigNode) -> String { node.location.description }

    func visit(_ node: ConfigNode, path: [any CodingKey]) {
        let key = Self.key(node)
        if visited[key] == nil {
            visited[key] = VisitedMapping(node: node, path: Self.render(path), readKeys: [], missingKeys: [])
            order.append(key)
        }
    }

    func markRead(_ name: String, in node: ConfigNode) {
        visited[Self.key(node)]?.readKeys.insert(name)
    }

    func markMissing(_ name: String, in node: ConfigNode) {
        visited[Self.key(node)]?.missingKeys.insert(name)
    }

    static func render(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if key.intValue != nil {
                text += key.stringValue
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text
    }

    /// Keys nobody read. After a failed decode only the top mapping is checked, against
    /// `knownTopLevelKeys`: decoding stopped early, so unread keys elsewhere may be valid.
    func unknownKeyDiagnostics(topLevel: ConfigNode, knownTopLevelKeys: [String], decodingFailed: Bool) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for id in order {
            let isTop = id == Self.key(topLevel)
            guard let mapping = visited[id], let members = mapping.node.mapping, isTop || !decodingFailed else { continue }
            var known = mapping.readKeys.union(mapping.missingKeys)
            if isTop { known.formUnion(knownTopLevelKeys) }
            for member in members {
                guard let name = member.key.scalar, !mapping.readKeys.contains(name),
                    !(isTop && knownTopLevelKeys.contains(name))
                else { continue }
                let valid = known.sorted()
                var message = "unknown option '\(name)'"
                if !mapping.path.isEmpty { message += " in \(mapping.path)" }
                if let suggestion = Suggestion.closest(to: name, in: valid) {
                    message += "; did you mean '\(suggestion)'?"
                } else if !valid.isEmpty {
                    message += "; valid options: " + valid.joined(separator: ", ")
                }
                diagnostics.append(Diagnostic(at: member.key.location, message))
            }
        }
        return diagnostics
    }

    func diagnostic(for error: DecodingError, fallback node: ConfigNode) -> Diagnostic {
        switch error {
        case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context),
            .keyNotFound(_, let context):
            return Diagnostic(at: node.location, "\(Self.render(context.codingPath)): \(context.debugDescription)")
        @unknown default:
            return Diagnostic(at: node.location, "\(error)")
        }
    }
}

/// The `Decoder` over one ``ConfigNode``.
struct ConfigNodeDecoder: Decoder {
    let node: ConfigNode
    let session: ConfigDecodingSession
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    /// When decoding an ``OptionGroup``: its options as `init()` made them, by key. An absent
    /// key decodes to its blank option (the default), or is reported missing when required.
    private(set) var blankOptions: [String: any AnyOption] = [:]

    init(node: ConfigNode, session: ConfigDecodingSession, codingPath: [any CodingKey]) {
        self.node = node
        self.session = session
        self.codingPath = codingPath
    }

    /// This decoder, prepared to decode a value of `type`.
    func decoding<T>(_ type: T.Type) -> ConfigNodeDecoder {
        guard let group = type as? any OptionGroup.Type else { return self }
        var decoder = self
        decoder.blankOptions = group.blankOptions()
        return decoder
    }

    var pathText: String { ConfigDecodingSession.render(codingPath) }

    func fail(_ message: String, at failing: ConfigNode? = nil) -> Diagnostic {
        let prefix = pathText.isEmpty ? "" : "\(pathText): "
        return Diagnostic(at: (failing ?? node).location, prefix + message)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let members = node.mapping else { throw fail("expected a mapping, found \(node.kindName)") }
        session.visit(node, path: codingPath)
        return KeyedDecodingContainer(ConfigKeyedContainer<Key>(decoder: self, members: members))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let elements = node.sequence else { throw fail("expected a list, found \(node.kindName)") }
        return ConfigUnkeyedContainer(decoder: self, elements: elements)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        ConfigSingleValueContainer(decoder: self)
    }

    /// Decodes a child node, attaching its position to any plain `DecodingError`.
    func decodeChild<T: Decodable>(_ type: T.Type, node child: ConfigNode, key: any CodingKey) throws -> T {
        if let text = child.scalar, child.interpolatedVariables.isEmpty {
            LiteralSecrets.register(text, key: key.stringValue)
        }
        let childDecoder = ConfigNodeDecoder(node: child, session: session, codingPath: codingPath + [key]).decoding(type)
        if type == JSONValue.self { return child.jsonValue as! T }
        do {
            return try T(from: childDecoder)
        } catch let error as DecodingError {
            switch error {
            case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
                var message = context.debugDescription
                if !child.interpolatedVariables.isEmpty, let secret = child.scalar, !secret.isEmpty {
                    // Never echo a value that came from the environment: it may be a secret.
                    message = message.replacing("\"\(secret)\"", with: child.displayValue)
                        .replacing(secret, with: child.displayValue)
                }
                throw childDecoder.fail(message)
            default:
                throw error
            }
        }
    }
}

struct ConfigKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: ConfigNodeDecoder
    let members: [(key: ConfigNode, value: ConfigNode)]

    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { members.compactMap { $0.key.scalar.flatMap(Key.init(stringValue:)) } }

    private func member(_ key: Key) -> ConfigNode? {
        members.first { $0.key.scalar == key.stringValue }?.value
    }

    func contains(_ key: Key) -> Bool {
        let found = member(key) != nil
        if found { decoder.session.markRead(key.stringValue, in: decoder.node) }
        return found
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        decoder.session.markRead(key.stringValue, in: decoder.node)
        guard let value = member(key) else { return true }
        if case .null = value.content { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let value = member(key) else {
            if let blank = decoder.blankOptions[key.stringValue], !blank.isRequired, let absent = blank as? T {
                decoder.session.markRead(key.stringValue, in: decoder.node)
                return absent
            }
            decoder.session.markMissing(key.stringValue, in: decoder.node)
            throw decoder.fail("missing required option '\(key.stringValue)'")
        }
        decoder.session.markRead(key.stringValue, in: decoder.node)
        return try decoder.decodeChild(type, node: value, key: key)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        decoder.session.markRead(key.stringValue, in: decoder.node)
        guard let value = member(key) else { return nil }
        if case .null = value.content, type != JSONValue.self { return nil }
        return try decoder.decodeChild(type, node: value, key: key)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        guard let value = member(key) else { throw decoder.fail("missing required option '\(key.stringValue)'") }
        decoder.session.markRead(key.stringValue, in: decoder.node)
        return try ConfigNodeDecoder(node: value, session: decoder.session, codingPath: codingPath + [key])
            .container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        guard let value = member(key) else { throw decoder.fail("missing required option '\(key.stringValue)'") }
        decoder.session.markRead(key.stringValue, in: decoder.node)
        return try ConfigNodeDecoder(node: value, session: decoder.session, codingPath: codingPath + [key])
            .unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { decoder }
}

struct ConfigUnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: ConfigNodeDecoder
    let elements: [ConfigNode]
    var currentIndex = 0

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return true }
        if case .null = elements[currentIndex].content {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard !isAtEnd else { throw decoder.fail("list has too few elements") }
        let node = elements[currentIndex]
        let value = try decoder.decodeChild(type, node: node, key: ConfigCodingKey(intValue: currentIndex)!)
        currentIndex += 1
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        let node = elements[currentIndex]
        defer { currentIndex += 1 }
        return try ConfigNodeDecoder(node: node, session: decoder.session,
                                     codingPath: codingPath + [ConfigCodingKey(intValue: currentIndex)!])
            .container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let node = elements[currentIndex]
        defer { currentIndex += 1 }
        return try ConfigNodeDecoder(node: node, session: decoder.session,
                                     codingPath: codingPath + [ConfigCodingKey(intValue: currentIndex)!])
            .unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { decoder }
}

struct ConfigSingleValueContainer: SingleValueDecodingContainer {
    let decoder: ConfigNodeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    private var node: ConfigNode { decoder.node }

    init(decoder: ConfigNodeDecoder) { self.decoder = decoder }

    func decodeNil() -> Bool {
        if case .null = node.content { return true }
        return false
    }

    private func scalar(_ expected: String) throws -> String {
        guard let text = node.scalar else { throw decoder.fail("expected \(expected), found \(node.kindName)") }
        return text
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        switch try scalar("true or false") {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: throw decoder.fail("expected true or false, found \(node.displayValue)")
        }
    }

    func decode(_ type: String.Type) throws -> String { try scalar("a string") }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let text = try scalar("an integer")
        guard let value = T(text.filter { $0 != "_" }) else {
            throw decoder.fail("expected an integer, found \(node.displayValue)")
        }
        return value
    }

    private func float(_ text: String) throws -> Double {
        guard let value = Double(text), value.isFinite else {
            throw decoder.fail("expected a number, found \(node.displayValue)")
        }
        return value
    }

    func decode(_ type: Double.Type) throws -> Double { try float(scalar("a number")) }
    func decode(_ type: Float.Type) throws -> Float { Float(try float(scalar("a number"))) }
    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if type == JSONValue.self { return node.jsonValue as! T }
        return try T(from: decoder.decoding(type))
    }
}
