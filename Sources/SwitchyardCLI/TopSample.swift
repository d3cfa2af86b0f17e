import Foundation
import SwitchyardKit

/// One reading of `/health` for `switchyard top`, and its rendering as a table.
struct TopSample {
    /// One stage's line.
    struct Stage {
        var id: String
        var kind: String
        var type: String
        var eventsIn: Int64
        var eventsOut: Int64
        var dropped: Int64
        var errors: Int64
        var bufferEvents: Int64?
        var bufferCapacity: Int64?
        /// A connection state (the `websocket` source's), or `failed`.
        var state: String?
    }

    var status: String
    var stages: [Stage]

    init(health bytes: [UInt8]) throws {
        let root = try JSONParser().parse(bytes)
        status = root["status"]?.stringValue ?? "?"
        stages = (root["stages"]?.objectValue?.members ?? []).map { id, value in
            func number(_ key: String) -> Int64? { if case .int(let number)? = value[key] { number } else { nil } }
            var state = value["state"]?.stringValue
            if case .bool(true)? = value["failed"] { state = "failed" }
            return Stage(id: id, kind: value["kind"]?.stringValue ?? "", type: value["type"]?.stringValue ?? "",
                         eventsIn: number("events_in") ?? 0, eventsOut: number("events_out") ?? 0,
                         dropped: number("events_dropped") ?? 0, errors: number("errors") ?? 0,
                         bufferEvents: number("buffer_events"), bufferCapacity: number("buffer_capacity"), state: state)
        }
    }

    /// The table: rates against `previous` (taken `seconds` earlier), totals, drops, errors, buffers.
    func render(since previous: TopSample?, seconds: Double, address: String, forTerminal: Bool) -> String {
        let header = ["STAGE", "KIND", "TYPE", "IN/S", "OUT/S", "IN", "OUT", "DROPPED", "ERRORS", "BUFFER", "STATE"]
        var rows: [[String]] = []
        for stage in stages {
            let before = previous?.stages.first { $0.id == stage.id }
            func rate(_ now: Int64, _ then: Int64?) -> String {
                guard let then, seconds > 0 else { return "-" }
                return String(Int((Double(now - then) / seconds).rounded()))
            }
            let buffer: String
            if let events = stage.bufferEvents, let capacity = stage.bufferCapacity, capacity > 0 {
                buffer = "\(events)/\(capacity)"
            } else {
                buffer = stage.bufferEvents.map(String.init) ?? "-"
            }
            rows.append([stage.id, stage.kind, stage.type,
                         stage.kind == "source" ? "-" : rate(stage.eventsIn, before?.eventsIn),
                         stage.kind == "sink" ? "-" : rate(stage.eventsOut, before?.eventsOut),
                         String(stage.eventsIn), String(stage.eventsOut), String(stage.dropped), String(stage.errors),
                         buffer, stage.state ?? "-"])
        }
        if !forTerminal {
            // One line per stage, key=value: easy to grep and to log.
            return rows.map { row in zip(header, row).map { "\($0.lowercased())=\($1)" }.joined(separator: " ") }
                .joined(separator: "\n") + "\n"
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                return index >= 3 && index <= 9 ? padding + cell : cell + padding
            }.joined(separator: "  ")
        }
        var text = "switchyard top — \(address) — status: \(status)\n\n"
        text += line(header) + "\n"
        for row in rows { text += line(row) + "\n" }
        return text
    }
}
