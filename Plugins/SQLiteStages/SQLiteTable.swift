import Foundation
import GRDB
import GRDBSQLite
import Logging
import SwitchyardKit

/// The sink's table: opened and checked once, then written a transaction per batch.
final class SQLiteTable: Sendable {
    private let database: DatabaseQueue
    private let insertSQL: String
    private let journalPragma: String
    private let synchronousPragma: String
    private let path: String
    /// The sink's context: its logger, and whether the pipeline is stopping (a full disk is
    /// then no longer waited out).
    private let context: StageContext

    private init(database: DatabaseQueue, path: String, table: String, columns: [String],
                 journalMode: SQLiteSink.JournalMode, synchronous: SQLiteSink.Synchronous, context: StageContext) {
        self.database = database
        self.path = path
        self.context = context
        let names = columns.map(SQLIdentifier.quoted).joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        insertSQL = "INSERT INTO \(SQLIdentifier.quoted(table)) (\(names)) VALUES (\(placeholders))"
        journalPragma = "PRAGMA journal_mode = \(journalMode.rawValue.uppercased())"
        synchronousPragma = "PRAGMA synchronous = \(synchronous.rawValue.uppercased())"
    }

    /// Opens the database (making its directory), waiting out a locked database or a full disk
    /// (until the pipeline stops).
    static func open(path: String, table: String, columns: [String], journalMode: SQLiteSink.JournalMode,
                     synchronous: SQLiteSink.Synchronous, busyTimeout: Double, context: StageContext) async throws -> SQLiteTable {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        var database: DatabaseQueue?
        try await retryWhileBusy("opening the database", path: path, context: context) {
            database = try DatabaseQueue(path: path, configuration: configuration)
        }
        return SQLiteTable(database: database!, path: path, table: table, columns: columns, journalMode: journalMode,
                           synchronous: synchronous, context: context)
    }

    /// Creates (columns in the given order, with their declared types; an `id` first when
    /// asked) or checks the table, waiting out a locked database like every write.
    func prepare(table: String, columns: [(name: String, type: SQLiteSink.ColumnType?)], idColumn: Bool,
                 autoincrement: Bool, create: Bool) async throws {
        let quotedTable = SQLIdentifier.quoted(table)
        let path = self.path
        let (journal, synchronous) = (journalPragma, synchronousPragma)
        try await whileBusy("setting the journal mode") {
            try await self.database.writeWithoutTransaction { db in
                // journal_mode answers with a row, so it is fetched rather than executed.
                _ = try String.fetchOne(db, sql: journal)
                try db.execute(sql: synchronous)
            }
        }
        try await whileBusy("preparing the table") {
            try await self.database.write { db in
            let existing = try Row.fetchAll(db, sql: "PRAGMA table_info(\(quotedTable))").map { $0["name"] as String }
            if existing.isEmpty {
                guard create else { throw SQLiteSinkError.missingTable(table, path) }
                let id = autoincrement ? "\"id\" INTEGER PRIMARY KEY AUTOINCREMENT" : "\"id\" INTEGER PRIMARY KEY"
                let definitions = (idColumn ? [id] : [])
                    + columns.map { column in SQLIdentifier.quoted(column.name) + (column.type.map { " " + $0.rawValue.uppercased() } ?? "") }
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS \(quotedTable) (\(definitions.joined(separator: ", ")))")
            } else {
                let missing = columns.map(\.name).filter { !existing.contains($0) }
                if !missing.isEmpty { throw SQLiteSinkError.columnMismatch(table: table, path: path, has: existing, missing: missing) }
            }
            }
        }
    }

    /// Inserts rows (`values` holds `width` values a row) in one transaction, binding through
    /// SQLite's C API; a busy or locked database is retried until the rows are in. A row the
    /// table refuses (a constraint such as NOT NULL or UNIQUE, a datatype mismatch, a value too
    /// big) is left out and returned with the reason, and the rest of the batch is written:
    /// one bad event must not stop the sink, nor come back after every restart.
    func insert(_ values: [SQLValue], width: Int, metrics: StageMetrics) async throws -> [(row: Int, reason: String)] {
        let sql = insertSQL
        let rowCount = values.count / max(1, width)
        let refused = try await whileBusy("a transaction of \(rowCount) rows") {
            try await self.database.writeWithoutTransaction { db -> [(row: Int, reason: String)] in
                var refused: [(row: Int, reason: String)] = []
                try db.inTransaction(.immediate) {
                    let statement = try db.cachedStatement(sql: sql)
                    let handle = statement.sqliteStatement
                    var index = 0
                    rows: while index < values.count {
                        defer { index += width }
                        sqlite3_reset(handle)
                        for column in 0..<width {
                            let code = values[index + column].bind(to: handle, at: Int32(column + 1))
                            if Self.refusesRow(code) {
                                refused.append((index / width, "\(String(cString: sqlite3_errstr(code))) (column \(column + 1))"))
                                continue rows
                            }
                            guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "binding a value") }
                        }
                        let code = sqlite3_step(handle)
                        if Self.refusesRow(code) {
                            // The statement's own changes are undone; the transaction goes on.
                            refused.append((index / width, String(cString: sqlite3_errmsg(db.sqliteConnection))))
                            continue
                        }
                        guard code == SQLITE_DONE else {
                            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                        }
                    }
                    sqlite3_reset(handle)
                    return .commit
                }
                return refused
            }
        }
        metrics.addOut(rowCount - refused.count)
        return refused
    }

    /// Whether a result code refuses one row (its values), not the transaction.
    private static func refusesRow(_ code: Int32) -> Bool {
        [SQLITE_CONSTRAINT, SQLITE_MISMATCH, SQLITE_TOOBIG].contains(code & 0xFF)
    }

    private func whileBusy<T>(_ what: String, _ operation: () async throws -> T) async throws -> T {
        try await Self.retryWhileBusy(what, path: path, context: context, operation)
    }

    /// Runs `operation` again (with a growing pause) for as long as the database is busy or
    /// locked, and, until the pipeline is stopping, while the disk is full (SQLITE_FULL: the
    /// transaction was rolled back; 1 s, doubling to 30 s, the input held back meanwhile).
    private static func retryWhileBusy<T>(_ what: String, path: String, context: StageContext,
                                          _ operation: () async throws -> T) async throws -> T {
        let logger = context.logger
        var attempt = 0
        var fullPause = Duration.seconds(1)
        while true {
            do {
                return try await operation()
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                attempt += 1
                let delay = Duration.milliseconds(min(1000, 50 << min(attempt, 5)))
                logger.warning("the database is busy; retrying \(what) in \(delay)", metadata: ["path": "\(path)", "attempt": "\(attempt)"])
                try await Task.sleep(for: delay)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL && !context.isStopping {
                logger.warning("the disk is full; retrying \(what) in \(fullPause), the input is held back", metadata: ["path": "\(path)"])
                try await context.pauseUnlessStopping(for: fullPause)
                fullPause = min(fullPause * 2, .seconds(30))
            }
        }
    }
}

/// Problems the SQLite sink finds at startup.
enum SQLiteSinkError: Error, CustomStringConvertible {
    case missingTable(String, String)
    case columnMismatch(table: String, path: String, has: [String], missing: [String])

    var description: String {
        switch self {
        case .missingTable(let table, let path):
            "table '\(table)' does not exist in \(path), and create_table is false"
        case .columnMismatch(let table, let path, let has, let missing):
            "table '\(table)' in \(path) has columns (\(has.joined(separator: ", "))) but the sink writes \(missing.map { "'\($0)'" }.joined(separator: ", ")), which it lacks"
        }
    }
}
