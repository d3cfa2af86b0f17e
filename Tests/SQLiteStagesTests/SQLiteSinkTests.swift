import CoreStages
import Foundation
import GRDB
import SQLiteStages
import SwitchyardKit
import SwitchyardTesting
import Testing

/// The SQLite sink against real database files.
@Suite("sqlite sink")
struct SQLiteSinkTests {
    static var harness: PipelineHarness {
        var registry = StageRegistry()
        registry.registerCoreStages()
        registry.registerSQLiteStages()
        return PipelineHarness(registry: registry)
    }

    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "switchyard-sqlite-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("without columns: id, received_at and the event as JSON")
    func defaultLayout() async throws {
        let db = try Self.directory() + "/events.db"
        try await Self.harness.run("""
            sources:
              src: { type: memory, events: [{ a: 1 }, { b: "two" }] }
            sinks:
              db: { type: sqlite, inputs: [src], path: \(db), table: events }
            """)
        let rows = try await DatabaseQueue(path: db).read { try Row.fetchAll($0, sql: "SELECT id, received_at, event FROM events ORDER BY id") }
        #expect(rows.count == 2)
        #expect(rows.map { $0["event"] as String } == [#"{"a":1,"n":1}"#, #"{"b":"two","n":2}"#])
        #expect((rows[0]["received_at"] as String).hasSuffix("Z"))
    }

    @Test("created columns follow the YAML's order, with declared types; autoincrement_id adds an AUTOINCREMENT id")
    func columnOrderAndTypes() async throws {
        let db = try Self.directory() + "/typed.db"
        try await Self.harness.run("""
            sources:
              src: { type: memory, events: [{ z: 1, a: "x", m: 2.5 }] }
            sinks:
              db:
                type: sqlite
                inputs: [src]
                path: \(db)
                table: readings
                columns: { zeta: .z, alpha: .a, mid: .m }
                column_types: { zeta: integer, mid: real }
                autoincrement_id: true
            """)
        let (columns, sql, rows) = try await DatabaseQueue(path: db).read { db in
            (try Row.fetchAll(db, sql: "PRAGMA table_info(readings)").map { ($0["name"] as String, $0["type"] as String) },
             try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'readings'") ?? "",
             try Row.fetchAll(db, sql: "SELECT id, zeta, alpha, mid FROM readings"))
        }
        #expect(columns.map(\.0) == ["id", "zeta", "alpha", "mid"], "YAML order, not alphabetical")
        #expect(columns.map(\.1) == ["INTEGER", "INTEGER", "", "REAL"])
        #expect(sql.contains("AUTOINCREMENT"))
        #expect(rows.count == 1 && rows[0]["zeta"] as Int == 1 && rows[0]["mid"] as Double == 2.5)
        #expect(throws: (any Error).self) {
            try Self.harness.load("""
                sources:
                  src: { type: memory, events: [] }
                sinks:
                  db: { type: sqlite, inputs: [src], path: x.db, table: t, columns: { a: .a }, column_types: { b: text } }
                """)
        }
    }

    @Test("columns are computed by expressions; values are bound, never spliced; `.` keeps the original bytes")
    func columns() async throws {
        let directory = try Self.directory()
        let input = #"""
            {"data":{"entity_id":"sensor.x'); DROP TABLE events; --","new_state":{"state":"21.5"}},"n":7, "list":[1,2]}
            {"data":{"entity_id":"light.y","new_state":null},"n":8.5,"flag":true}
            """# + "\n"
        try input.write(toFile: "\(directory)/in.ndjson", atomically: true, encoding: .utf8)
        try await Self.harness.run("""
            sources:
              in: { type: file, path: \(directory)/in.ndjson }
            sinks:
              db:
                type: sqlite
                inputs: [in]
                path: \(directory)/e.db
                table: readings
                columns:
                  entity_id: .data.entity_id
                  state: .data.new_state.state
                  number: .n
                  flag: .flag
                  list: .list
                  raw: .
            """)
        let rows = try await DatabaseQueue(path: "\(directory)/e.db").read { try Row.fetchAll($0, sql: "SELECT * FROM readings ORDER BY rowid") }
        #expect(rows.count == 2)
        #expect(rows[0]["entity_id"] as String == "sensor.x'); DROP TABLE events; --")
        #expect(rows[0]["state"] as String == "21.5")
        #expect(rows[0]["number"] as Int64 == 7)
        #expect(rows[0]["list"] as String == "[1,2]")
        #expect(rows[0]["flag"] as DatabaseValue == .null)
        #expect(rows[1]["state"] as DatabaseValue == .null)
        #expect(rows[1]["number"] as Double == 8.5)
        #expect(rows[1]["flag"] as Int64 == 1)
        let lines = input.split(separator: "\n").map(String.init)
        #expect(rows.map { $0["raw"] as String } == lines, "raw is the input line, byte for byte")
    }

    @Test("columns read from the event's text (strings bound from its bytes) equal those read from a built event; a row that cannot be computed whole is dropped and counted, the rows around it intact")
    func textAndBuiltAgree() async throws {
        let directory = try Self.directory()
        let lines = [
            #"{"b":{"y":"2","x":"1"},"s":"caf\u00e9 \"q\"","t":"°C","v":"4"}"#,
            #"{"s":"","b":{"x":"x\\y"},"t":null,"v":"x"}"#,
            #"{"t":"last","b":{"x":{"deep":[1]},"y":3},"s":"plain","v":"5.5"}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: "\(directory)/in.ndjson", atomically: true, encoding: .utf8)
        let columns = "{ y: .b.y, x: .b.x, s: .s, again: .s, t: .t, missing: .b.z, v: to_number(.v) }"
        var metrics: [String: [String: StageMetrics]] = [:]
        for (name, source) in [("text", "{ type: file, path: \(directory)/in.ndjson }"), ("built", "{ type: memory, events: [\(lines.joined(separator: ", "))] }")] {
            metrics[name] = try await Self.harness.run("""
                sources:
                  in: \(source)
                sinks:
                  db: { type: sqlite, inputs: [in], path: \(directory)/\(name).db, table: t, columns: \(columns) }
                """)
        }
        func rows(_ name: String) async throws -> [[String]] {
            try await DatabaseQueue(path: "\(directory)/\(name).db").read { db in
                try Row.fetchAll(db, sql: "SELECT y, x, s, again, t, missing, v FROM t ORDER BY rowid").map { row in
                    (0..<7).map { "\(row[$0] as DatabaseValue)" }
                }
            }
        }
        let fromText = try await rows("text")
        let quote = "\""
        #expect(fromText == [
            ["\(quote)2\(quote)", "\(quote)1\(quote)", #""café \"q\"""#, #""café \"q\"""#, "\(quote)°C\(quote)", "NULL", "4"],
            ["3", #""{\"deep\":[1]}""#, "\(quote)plain\(quote)", "\(quote)plain\(quote)", "\(quote)last\(quote)", "NULL", "5.5"],
        ], "the second event's to_number(\"x\") fails: its row is left out whole")
        #expect(try await rows("built") == fromText)
        #expect(metrics["text"]?["db"]?.dropped == 1)
        #expect(metrics["built"]?["db"]?.dropped == 1)
    }

    @Test("an existing table without the sink's columns is a clear error at startup")
    func columnMismatch() async throws {
        let db = try Self.directory() + "/e.db"
        try await DatabaseQueue(path: db).write { try $0.execute(sql: "CREATE TABLE events (entity_id TEXT, other TEXT)") }
        let pipeline = try Self.harness.pipeline("""
            sources:
              src: { type: memory, events: [{ a: 1 }] }
            sinks:
              db: { type: sqlite, inputs: [src], path: \(db), table: events, columns: { entity_id: .a, state: .b } }
            """)
        await #expect {
            try await pipeline.run()
        } throws: { error in
            "\(error)".contains("stage 'db' failed: table 'events' in \(db) has columns (entity_id, other) but the sink writes 'state', which it lacks")
        }
    }

    @Test("a row the table refuses (NOT NULL, UNIQUE, CHECK) is left out and the rest of its transaction written: dropped and counted, or appended to dead_letter")
    func refusedRows() async throws {
        let directory = try Self.directory()
        for deadLetter in [false, true] {
            let db = "\(directory)/r-\(deadLetter).db"
            try await DatabaseQueue(path: db).write {
                try $0.execute(sql: "CREATE TABLE t (n INTEGER NOT NULL UNIQUE CHECK (n < 100), v TEXT)")
            }
            let option = deadLetter ? ", dead_letter: { path: \(directory)/dead.ndjson }" : ""
            let pipeline = try Self.harness.pipeline("""
                sources:
                  src: { type: memory, events: [{ k: 1 }, { k: null }, { k: 2 }, { k: 1 }, { k: 500 }, { k: 3 }] }
                sinks:
                  db: { type: sqlite, inputs: [src], path: \(db), table: t, create_table: false, columns: { n: .k, v: . }\(option) }
                """)
            try await pipeline.run()
            let stored = try await DatabaseQueue(path: db).read { try Int.fetchAll($0, sql: "SELECT n FROM t ORDER BY rowid") }
            #expect(stored == [1, 2, 3], "one transaction, three rows refused, the rest written")
            #expect(pipeline.metrics["db"]?.eventsOut == 3)
            #expect(pipeline.metrics["db"]?.errors == 3)
            #expect(pipeline.metrics["db"]?.dropped == (deadLetter ? 0 : 3))
            if deadLetter {
                let lines = try String(contentsOfFile: "\(directory)/dead.ndjson", encoding: .utf8).split(separator: "\n")
                #expect(lines.map { (try? JSONParser().parse(String($0)))?["k"] } == [JSONValue.null, 1, 500])
            }
        }
    }

    @Test("invalid table or column names are load errors")
    func invalidNames() {
        for stage in ["{ type: sqlite, inputs: [src], path: x.db, table: \"bad name\" }",
                      "{ type: sqlite, inputs: [src], path: x.db, table: t, columns: { \"a;b\": .a } }",
                      "{ type: sqlite, inputs: [src], path: x.db, table: 1t }"] {
            #expect(throws: ConfigurationError.self) {
                try Self.harness.load("sources:\n  src: { type: memory, events: [] }\nsinks:\n  db: \(stage)\n")
            }
        }
    }

    @Test("a second connection holding the write lock for seconds: the sink waits and retries, no row is lost")
    func lockedDatabase() async throws {
        let db = try Self.directory() + "/locked.db"
        let holder = try DatabaseQueue(path: db)
        try await holder.write { try $0.execute(sql: "CREATE TABLE events (n)") }
        let pipeline = try Self.harness.pipeline("""
            sources:
              src: { type: memory, events: [{ v: 1 }], repeat: 5000, batch_size: 250 }
            sinks:
              db:
                type: sqlite
                inputs: [src]
                path: \(db)
                table: events
                columns: { n: .n }
                batch: { max_events: 500 }
                journal_mode: delete
                busy_timeout: 100ms
            """)
        // Hold an exclusive lock for 2 seconds from another connection while the sink writes.
        let locked = AsyncStream<Void>.makeStream()
        let lockTask = Task {
            try await holder.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN EXCLUSIVE")
                locked.continuation.yield()
                Thread.sleep(forTimeInterval: 2)
                try db.execute(sql: "COMMIT")
            }
        }
        var iterator = locked.stream.makeAsyncIterator()
        _ = await iterator.next()
        try await pipeline.run()
        try await lockTask.value
        let (count, distinct) = try await holder.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM events")!, try Int.fetchOne(db, sql: "SELECT count(DISTINCT n) FROM events")!)
        }
        #expect(count == 5000)
        #expect(distinct == 5000)
        #expect(pipeline.metrics["db"]!.eventsOut == 5000)
        #expect(pipeline.metrics["db"]!.dropped == 0)
    }
}
