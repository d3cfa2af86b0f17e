#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Reads a configuration file, refusing one larger than a limit without reading past it.
enum ConfigFile {
    /// Why a file could not be read; one line, with the system's reason.
    struct ReadError: Error, CustomStringConvertible {
        let description: String
    }

    static func read(_ path: String, limit: Int) throws(ReadError) -> Data {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ReadError(description: "cannot read the file: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(description: "cannot read the file: \(String(cString: strerror(errno)))")
            }
            if count == 0 { return data }
            data.append(contentsOf: chunk[..<count])
            if data.count > limit {
                throw ReadError(description: "the file is larger than \(limit / (1 << 20)) MiB; a pipeline file is expected to be a few kilobytes")
            }
        }
    }
}
