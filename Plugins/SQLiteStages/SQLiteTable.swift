import Foundation
import GRDB
import Logging
import SwitchyardKit

/// The sink's table: opened and checked once, then written a transaction per batch.
final class SQLiteTable: Sendable {
    private let database: DatabaseQueue
    private let insertSQL: String
    private let path: String
    private let logger: Logger

    init(path: String, table: String, columns: [String], defaultLayout: Bool, create: Bool,
         journalMode: SQLiteSink.JournalMode, synchronous: SQLiteSink.Synchronous, busyTimeout: Double,
         logger: Logger) throws {
        self.path = path
        self.logger = logger
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        let pragmas = "PRAGMA journal_mode = \(journalMode.rawValue.uppercased()); PRAGMA synchronous = \(synchronous.rawValue.uppercased())"
        configuration.prepareDatabase { db in
            // journal_mode answers with a row; read it rather than execute, and leave WAL alone if already set.
            _ = try String.fetchOne(db, sql: pragmas.components(separatedBy: ";")[0])
            try db.execute(sql: pragmas.components(separatedBy: ";")[1])
        }
        database = try DatabaseQueue(path: path, configuration: configuration)

        let quotedTable = SQLIdentifier.quoted(table)
        try database.write { db in
            let existing = try Row.fetchAll(db, sql: "PRAGMA table_info(\(quotedTable))").map { $0["name"] as String }
            if existing.isEmpty {
                guard create else { throw SQLiteSinkError.missingTable(table, path) }
                let definitions = defaultLayout
                    ? ["\"id\" INTEGER PRIMARY KEY"] + columns.map(SQLIdentifier.quoted)
                    : columns.map(SQLIdentifier.quoted)
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS \(quotedTable) (\(definitions.joined(separator: ", ")))")
            } else {
                let missing = columns.filter { !existing.contains($0) }
                if !missing.isEmpty { throw SQLiteSinkError.columnMismatch(table: table, path: path, has: existing, missing: missing) }
            }
        }
        let names = columns.map(SQLIdentifier.quoted).joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        insertSQL = "INSERT INTO \(quotedTable) (\(names)) VALUES (\(placeholders))"
    }

    /// Inserts `rows` in one transaction; a busy or locked database is retried until the rows are in.
    func insert(_ rows: [[DatabaseValue]], metrics: StageMetrics) async throws {
        var attempt = 0
        let sql = insertSQL
        while true {
            do {
                try await database.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        let statement = try db.cachedStatement(sql: sql)
                        for row in rows {
                            statement.setUncheckedArguments(StatementArguments(row))
                            try statement.execute()
                        }
                        return .commit
                    }
                }
                metrics.addOut(rows.count)
                return
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                attempt += 1
                let delay = Duration.milliseconds(min(1000, 50 << min(attempt, 5)))
                logger.warning("the database is busy; retrying the transaction of \(rows.count) rows in \(delay)",
                               metadata: ["path": "\(path)", "attempt": "\(attempt)"])
                try await Task.sleep(for: delay)
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
