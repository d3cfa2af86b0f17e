import Foundation
import SwitchyardKit

/// Adds the country of an IPv4 address, looked up in a CSV table of `network,country` rows
/// (`10.0.0.0/8,ZZ`); the most specific network wins.
public struct GeoIPTransform: Transform {
    /// What happens to an event whose field is not an IPv4 address.
    public enum OnInvalid: String, ConfigEnum {
        /// Pass it on unchanged (counted as an error).
        case keep
        /// Drop it (counted as dropped).
        case drop
    }

    public struct Configuration: StageConfiguration {
        @Option("CSV file of `network,country` rows, such as `10.0.0.0/8,ZZ`.")
        var table: String
        @Option("Where the address is.")
        var field = try! Expression(".ip")
        @Option("The top-level field the country is written to.")
        var target = "country"
        @Option("The country of an address no network holds (absent: the field is not set).")
        var unknown: String?
        @Option("An event whose field is not an IPv4 address: `keep` passes it on, `drop` drops it; both count it.")
        var on_invalid = OnInvalid.keep

        public init() {}

        public func problems() -> [OptionProblem] {
            target.isEmpty ? [OptionProblem(option: "target", "must not be empty")] : []
        }
    }

    public static let typeName = "geoip"
    public static let summary = "Adds the country of an IPv4 address from a CSV table of networks."
    public static let example = """
        type: geoip
        inputs: [requests]
        table: data/countries.csv
        field: .client.ip
        target: country
        """

    private let configuration: Configuration
    private let context: StageContext
    private let table: NetworkTable

    /// Reads the table: a transform has no `run`, so a bad table fails the pipeline at startup.
    public init(configuration: Configuration, context: StageContext) throws {
        self.configuration = configuration
        self.context = context
        self.table = try NetworkTable(csvFile: configuration.table)
    }

    public mutating func process(_ batch: EventBatch, into output: inout TransformOutput) throws {
        for var event in batch.events {
            guard case .string(let text)? = try? configuration.field.evaluate(event), let address = IPv4(text) else {
                if configuration.on_invalid == .drop {
                    context.problems.drop(because: "\(configuration.field) is not an IPv4 address")
                    continue
                }
                context.problems.reject("\(configuration.field) is not an IPv4 address (event kept)")
                output.emit(event)
                continue
            }
            if let country = table.country(of: address) ?? configuration.unknown {
                event.value[configuration.target] = .string(country)
            }
            output.emit(event)
        }
    }
}

/// An IPv4 address as a number.
struct IPv4 {
    let value: UInt32

    init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard let byte = UInt8(part) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        self.value = value
    }
}

/// Networks and their countries, searched most specific first.
struct NetworkTable {
    private var networks: [(base: UInt32, mask: UInt32, country: String)] = []

    init(csvFile path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let row = line.trimmingCharacters(in: .whitespaces)
            if row.isEmpty || row.hasPrefix("#") { continue }
            let cells = row.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let network = cells.first?.split(separator: "/") ?? []
            guard cells.count == 2, network.count == 2, let base = IPv4(network[0]), let bits = Int(network[1]), (0...32).contains(bits) else {
                throw TableError(description: "\(path):\(index + 1): expected `network/bits,country`, found \"\(row)\"")
            }
            let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
            networks.append((base.value & mask, mask, cells[1]))
        }
        networks.sort { $0.mask > $1.mask }
    }

    func country(of address: IPv4) -> String? {
        networks.first { address.value & $0.mask == $0.base }?.country
    }
}

/// A table that cannot be read.
struct TableError: Error, CustomStringConvertible {
    let description: String
}
