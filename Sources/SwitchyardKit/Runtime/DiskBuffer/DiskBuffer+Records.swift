#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The disk buffer's files and record format.
extension DiskBuffer {
    /// What ``parse(_:maximumEvents:atEndOfSegment:)`` found in a chunk.
    struct Parsed {
        var events: [Event] = []
        /// Bytes of the chunk fully handled (records read or skipped).
        var consumed = 0
        /// Skipped stretches: (offset in the chunk, length).
        var corrupt: [(offset: Int, length: Int)] = []
    }

    static func path(_ directory: String, _ number: UInt64) -> String {
        let digits = String(number)
        return directory + "/segment-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits + ".log"
    }

    static func makeDirectory(_ directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw DiskBufferError("cannot make the disk buffer directory \(directory)")
        }
    }

    /// The acknowledged read position saved by an earlier run.
    static func loadCursor(_ directory: String) -> (segment: UInt64, offset: Int64)? {
        guard let text = try? String(contentsOfFile: directory + "/" + cursorFile, encoding: .utf8) else { return nil }
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard parts.count == 2, let segment = UInt64(parts[0]), let offset = Int64(parts[1]) else { return nil }
        return (segment, offset)
    }

    /// Appends one record: magic, payload length, checksum, then the payload (time received,
    /// source id, the event's JSON).
    static func encode(_ event: Event, into bytes: inout [UInt8]) {
        let headerStart = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: headerSize))
        let payloadStart = bytes.count
        withUnsafeBytes(of: event.metadata.receivedAt.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        let source = Array(event.metadata.sourceID.utf8.prefix(Int(UInt16.max)))
        withUnsafeBytes(of: UInt16(source.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: source)
        event.writeJSON(into: &bytes)
        let length = bytes.count - payloadStart
        let checksum = bytes.withUnsafeBytes { RecordChecksum.of(UnsafeRawBufferPointer(rebasing: $0[payloadStart...])) }
        bytes.withUnsafeMutableBytes { buffer in
            buffer.storeBytes(of: magic.littleEndian, toByteOffset: headerStart, as: UInt32.self)
            buffer.storeBytes(of: UInt32(length).littleEndian, toByteOffset: headerStart + 4, as: UInt32.self)
            buffer.storeBytes(of: checksum.littleEndian, toByteOffset: headerStart + 8, as: UInt64.self)
        }
    }

    /// The whole length (header and payload) the record at the start of `chunk` claims.
    static func recordLength(_ chunk: [UInt8]) -> Int {
        guard chunk.count >= headerSize else { return headerSize }
        return chunk.withUnsafeBytes { headerSize + Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self))) }
    }

    /// Reads records from `chunk`. A record that does not check out is skipped up to the next
    /// position where a valid record starts. An incomplete record at the end of the chunk is
    /// left for the next read, unless the chunk ends the segment (then it is a torn tail).
    static func parse(_ chunk: [UInt8], maximumEvents: Int, atEndOfSegment: Bool) -> Parsed {
        var parsed = Parsed()
        var offset = 0
        var corruptStart: Int?
        chunk.withUnsafeBytes { buffer in
            func validRecord(at position: Int) -> (length: Int, complete: Bool)? {
                guard position + headerSize <= buffer.count else { return (0, false) }
                guard UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: position, as: UInt32.self)) == magic else { return nil }
                let length = Int(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: position + 4, as: UInt32.self)))
                guard length >= 10, length <= 1 << 30 else { return nil }
                guard position + headerSize + length <= buffer.count else { return (length, false) }
                let checksum = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: position + 8, as: UInt64.self))
                let payload = UnsafeRawBufferPointer(rebasing: buffer[(position + headerSize)..<(position + headerSize + length)])
                return RecordChecksum.of(payload) == checksum ? (length, true) : nil
            }
            while offset < buffer.count, parsed.events.count < maximumEvents {
                guard let record = validRecord(at: offset) else {
                    if corruptStart == nil { corruptStart = offset }
                    offset += 1
                    continue
                }
                guard record.complete else {
                    if atEndOfSegment {
                        if corruptStart == nil { corruptStart = offset }
                        offset = buffer.count
                    }
                    break
                }
                if let start = corruptStart {
                    parsed.corrupt.append((start, offset - start))
                    corruptStart = nil
                }
                let payload = offset + headerSize
                let receivedAt = Double(bitPattern: UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: payload, as: UInt64.self)))
                let sourceLength = Int(UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: payload + 8, as: UInt16.self)))
                let jsonStart = payload + 10 + sourceLength
                let end = payload + record.length
                if jsonStart <= end {
                    let source = String(decoding: chunk[(payload + 10)..<jsonStart], as: UTF8.self)
                    let metadata = EventMetadata(sourceID: source, receivedAt: receivedAt)
                    parsed.events.append(Event(validatedJSON: chunk[jsonStart..<end], metadata: metadata))
                }
                offset = end
            }
        }
        if let start = corruptStart {
            // Garbage up to the end of what was read: skipped only at the segment's end (else read on).
            if atEndOfSegment {
                parsed.corrupt.append((start, chunk.count - start))
                offset = chunk.count
            } else if start == 0 {
                // Nothing valid in the whole chunk: skip it, but for the bytes a record could start in.
                offset = max(1, chunk.count - headerSize)
                parsed.corrupt.append((0, offset))
            } else {
                offset = start
            }
        }
        parsed.consumed = offset
        return parsed
    }
}
