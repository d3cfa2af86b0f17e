import Foundation
import GRDB
import Logging
import SwitchyardKit

/// Writes events as rows of a SQLite table: one transaction per batch, values always bound,
/// a busy database waited on and retried, never dropped.
public struct SQLiteSink: Sink {
    public struct Configuration: StageConfiguration {
        @Option("The database file; made (with its directory) if missing.")
        var path: String
        @Option("The table; letters, digits and '_'.")
        var table: String
        @Option("Column name to expression. Values are always bound, never spliced into SQL: null, integers (booleans as 0/1), reals, text; arrays and objects as JSON text. `.` is the whole event as JSON: its original bytes when unchanged.")
        var columns: OrderedMapping<SwitchyardKit.Expression>?
        @Option("The declared type of columns made by create_table (others are untyped), e.g. { state: text, temperature: real }.")
        var column_types: [String: ColumnType] = [:]
        @Option("true: the table made by create_table gets a first column `id INTEGER PRIMARY KEY AUTOINCREMENT` (ids never reused).")
        var autoincrement_id = false
        @Option("Create the table if missing. An existing table that lacks a column is an error at startup naming the columns.")
        var create_table = true
        @Option("Rows per transaction (one prepared statement, one transaction per batch); an idle input is written at once.")
        var batch = BatchOptions()
        @Option("SQLite's journal mode.")
        var journal_mode = JournalMode.wal
        @Option("SQLite's synchronous setting.")
        var synchronous = Synchronous.normal
        @Option("How long SQLite waits on a locked database; after that the transaction is retried, again and again, until it commits. Nothing is dropped because another process reads or writes the database.")
        var busy_timeout = ConfigDuration(.seconds(5))
        @Option("Events whose row the table refuses (a NOT NULL, UNIQUE or CHECK constraint, a datatype mismatch) are appended here; the rest of their transaction is written. Without it they are dropped, counted and logged.")
        var dead_letter: DeadLetterOptions?

        public init() {}

        public func problems() -> [OptionProblem] {
            var problems: [OptionProblem] = []
            if !SQLIdentifier.isValid(table) {
                problems.append(OptionProblem(option: "table", "'\(table)' is not a valid table name (letters, digits, '_'; not starting with a digit)"))
            }
            for name in columns?.keys ?? [] where !SQLIdentifier.isValid(name) {
                problems.append(OptionProblem(option: "columns", "'\(name)' is not a valid column name (letters, digits, '_'; not starting with a digit)"))
            }
            if columns?.entries.isEmpty == true { problems.append(OptionProblem(option: "columns", "needs at least one column (or leave it out)")) }
            let names = columns?.keys ?? ["received_at", "event"]
            for name in column_types.keys.sorted() where !names.contains(name) {
                problems.append(OptionProblem(option: "column_types", "'\(name)' is not a column; columns: \(names.joined(separator: ", "))"))
            }
            if columns?.keys.contains("id") == true, autoincrement_id {
                problems.append(OptionProblem(option: "autoincrement_id", "the columns already have an 'id'"))
            }
            if batch.max_events < 1 { problems.append(OptionProblem(option: "batch", "max_events must be at least 1")) }
            return problems
        }
    }

    /// `batch: { max_events, timeout }`.
    struct BatchOptions: OptionGroup {
        @Option("Rows per transaction at most.", minimum: 1)
        var max_events = 1000
        @Option("The longest a row waits for its transaction under load.")
        var timeout = ConfigDuration(.seconds(1))

        init() {}
    }

    /// A column's declared type (SQLite's type affinities).
    public enum ColumnType: String, ConfigEnum {
        case integer
        case real
        case text
        case blob
        case numeric
    }

    public enum JournalMode: String, ConfigEnum {
        case wal
        case delete
    }

    public enum Synchronous: String, ConfigEnum {
        case off
        case normal
        case full
    }

    public static let typeName = "sqlite"
    public static let summary = "Writes events as rows of a SQLite table; a transaction per batch; busy databases are waited on, never dropped."
    public static let example = """
        type: sqlite
        inputs: [home]
        path: data/events.db
        table: events
        columns:
          entity_id: .data.entity_id
          state: .data.new_state.state
          time_fired: .time_fired
          raw: .
        batch: { max_events: 1000, timeout: 1s }
        """

    private let configuration: Configuration
    private let context: StageContext
    private let columns: [(name: String, value: ColumnValue)]

    public init(configuration: Configuration, context: StageContext) {
        self.configuration = configuration
        self.context = context
        if let columns = configuration.columns {
            self.columns = columns.entries.map { name, expression in
                (name, expression.isPath && expression.text.trimmingCharacters(in: .whitespaces) == "." ? .wholeEvent : .expression(expression))
            }
        } else {
            self.columns = [("received_at", .receivedAt), ("event", .wholeEvent)]
        }
    }

    public func run(input: SinkInput) async throws {
        let table = try await SQLiteTable.open(path: configuration.path, table: configuration.table, columns: columns.map(\.name),
                                    journalMode: configuration.journal_mode, synchronous: configuration.synchronous,
                                    busyTimeout: configuration.busy_timeout.seconds, context: context)
        try await table.prepare(table: configuration.table, columns: columns.map { ($0.name, configuration.column_types[$0.name]) },
                                idColumn: configuration.columns == nil || configuration.autoincrement_id,
                                autoincrement: configuration.autoincrement_id, create: configuration.create_table)
        let maxEvents = configuration.batch.max_events
        let timeout = configuration.batch.timeout.duration
        let metrics = context.metrics
        var rows: [SQLValue] = []
        // Room for a typical batch; a huge max_events grows the array as rows come, never ahead.
        rows.reserveCapacity(min(maxEvents, 4_096) * columns.count)
        // The event of each row, for a row the table refuses.
        var rowEvents: [Event] = []
        let deadLetter = configuration.dead_letter.map { DeadLetterFile(path: $0.path) }
        let problems = context.problems
        var firstRowAt = ContinuousClock.now
        // One transaction in flight while the next batch's rows are computed: SQLite and the
        // expression work overlap. Transactions still commit in order, one at a time.
        var inFlight: Task<Void, any Error>?

        // `receipt` covers the batches whose last rows are in this transaction: they are
        // acknowledged once it (and so every earlier one) has committed.
        func commit(_ receipt: DeliveryReceipt? = nil) async throws {
            try await inFlight?.value
            let (batch, events) = (rows, rowEvents)
            rows.removeAll(keepingCapacity: true)
            rowEvents.removeAll(keepingCapacity: true)
            let width = columns.count
            inFlight = Task {
                if !batch.isEmpty {
                    let refused = try await table.insert(batch, width: width, metrics: metrics)
                    if !refused.isEmpty {
                        problems.refuse(refused.map { (events[$0.row], "the table refused a row: \($0.reason)") }, deadLetter: deadLetter)
                    }
                }
                receipt?.acknowledge()
            }
        }

        while let batch = await input.next() {
            for event in batch.events {
                let rowStart = rows.count
                do {
                    if rows.isEmpty { firstRowAt = .now }
                    // One reader for the row: a column's field is found from its sibling's place.
                    var reader = EventReader(event)
                    for column in columns { rows.append(try column.value.sqlValue(for: event, reader: &reader)) }
                    rowEvents.append(event)
                } catch {
                    rows.removeSubrange(rowStart...)  // none of a row that cannot be computed whole
                    context.problems.drop(because: "cannot compute a row: \(error)")
                }
                if rowEvents.count >= maxEvents { try await commit() }
            }
            if !rows.isEmpty, input.isIdle || ContinuousClock.now - firstRowAt >= timeout {
                try await commit(input.receipt())
            } else if rows.isEmpty {
                let receipt = input.receipt()
                if !receipt.isEmpty { try await commit(receipt) }
            }
        }
        try await commit(input.receipt())
        try await inFlight?.value
    }
}

/// Where a column's value comes from.
enum ColumnValue: Sendable {
    case expression(SwitchyardKit.Expression)
    /// The whole event as JSON text: its original bytes when it has them.
    case wholeEvent
    /// When the event was received, RFC 3339.
    case receivedAt

    /// The column's value for `event`, whose fields `reader` reads.
    func sqlValue(for event: Event, reader: inout EventReader) throws -> SQLValue {
        switch self {
        case .wholeEvent:
            if let text = event.rawJSON { return .utf8(text) }
            var bytes: [UInt8] = []
            event.writeJSON(into: &bytes)
            return .utf8(bytes[...])
        case .receivedAt:
            let seconds = event.metadata.receivedAt > 0 ? event.metadata.receivedAt : Date().timeIntervalSince1970
            return .text(RFC3339.string(fromSeconds: seconds))
        case .expression(let expression):
            // A path to a plain string is bound from the event's bytes: no String is made.
            if let bytes = reader.plainString(expression) { return .utf8(bytes) }
            return SQLValue(try expression.evaluate(&reader))
        }
    }
}

/// SQL identifiers: checked, then always double-quoted.
enum SQLIdentifier {
    static func isValid(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    static func quoted(_ name: String) -> String { "\"\(name)\"" }
}
