import GRDBSQLite
import SwitchyardKit

/// One value to bind to an insert statement, without going through `DatabaseValue`.
enum SQLValue: Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    /// UTF-8 text kept as bytes (an event's original JSON), bound without making a String.
    case utf8(ArraySlice<UInt8>)

    /// A JSON value as a SQLite value: null, integers (booleans as 0/1), reals, text; arrays and objects as JSON text.
    init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let flag): self = .integer(flag ? 1 : 0)
        case .int(let integer): self = .integer(integer)
        case .double(let double): self = .real(double)
        case .number(let text): self = .text(text)
        case .string(let text): self = .text(text)
        case .array, .object: self = .text(JSONWriter.string(value))
        }
    }

    /// Binds the value to parameter `index` (1-based) of `statement`; returns SQLite's result code.
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        switch self {
        case .null: return sqlite3_bind_null(statement, index)
        case .integer(let integer): return sqlite3_bind_int64(statement, index, integer)
        case .real(let double): return sqlite3_bind_double(statement, index, double)
        case .text(var text): return text.withUTF8 { Self.bindText($0, to: statement, at: index) }
        case .utf8(let bytes): return bytes.withUnsafeBufferPointer { Self.bindText($0, to: statement, at: index) }
        }
    }

    private static func bindText(_ bytes: UnsafeBufferPointer<UInt8>, to statement: OpaquePointer, at index: Int32) -> Int32 {
        // SQLITE_TRANSIENT: SQLite copies the bytes before this returns.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return sqlite3_bind_text(statement, index, "", 0, transient) }
        return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
            sqlite3_bind_text(statement, index, $0, Int32(bytes.count), transient)
        }
    }
}
