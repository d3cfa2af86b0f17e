#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import Synchronization

/// A sink's input buffer kept on disk (`buffer: { type: disk, max_size }`), so that what the
/// sink has not yet written survives a crash of the process and a long outage of its target.
///
/// Events are appended as records to segment files in `data_dir/<sink id>/buffer/`; a batch
/// is acknowledged upstream once its records are written (the kernel holds them; a crash of
/// the process loses nothing). The sink reads records back in order, each read batch with
/// its own acknowledgement; the read position that the sink has acknowledged is kept in
/// `cursor`, and a segment is deleted once everything in it is acknowledged. After a crash
/// the sink resumes at `cursor`: nothing lost, what is duplicated is bounded by what the
/// sink had in flight.
///
/// A record is `magic, length, checksum, payload`. A torn or corrupted record (the write cut
/// by a crash, a flipped byte) is reported with its file and offset, skipped (reading
/// resumes at the next valid record) and counted; never a crash or a wrong event.
final class DiskBuffer: StageInputBuffer {
    static let magic: UInt32 = 0x5359_4231  // "SYB1"
    static let headerSize = 16
    static let segmentBytes = 32 << 20
    static let readBatchEvents = 8192
    static let cursorFile = "cursor"

    private struct Segment {
        let number: UInt64
        var size: Int64
    }

    private struct State {
        var segments: [Segment] = []
        var writer: Int32 = -1
        var reader: Int32 = -1
        var readSegment: UInt64 = 0
        var readOffset: Int64 = 0
        var unreadEvents = 0
        var totalBytes: Int64 = 0
        var openProducers: Int
        var consumerGone = false
        var handingOver = false
        var receiver: CheckedContinuation<Void, Never>?
        var waitingSenders: [CheckedContinuation<Void, Never>] = []
        var inFlight = AcknowledgedPrefix<(segment: UInt64, offset: Int64)>()
        var acknowledged: (segment: UInt64, offset: Int64)?
        var savedCursor: (segment: UInt64, offset: Int64)?
        var lastCursorSave = ContinuousClock.now - .seconds(1)
        var cursorSaveScheduled = false
        /// Failed cursor saves, and batches dropped for a full disk: logged sparingly.
        var cursorFailures = RepeatingFailure(interval: .seconds(60))
        var droppedForSpace = RepeatingFailure(interval: .seconds(60))

        /// Whether records lie between the read position and the end of the last segment.
        var hasUnread: Bool {
            guard let last = segments.last else { return false }
            return readSegment < last.number || readOffset < last.size
        }
    }

    let directory: String
    let maxBytes: Int64
    let whenFull: BufferPolicy.WhenFull
    private let state: Mutex<State>
    private let logger: Logger
    private let corrupted = Atomic<Int>(0)

    var capacity: Int { 0 }

    /// Opens (or makes) the buffer in `directory`, checking and repairing what a crash left.
    init(directory: String, maxBytes: Int64, whenFull: BufferPolicy.WhenFull, producers: Int, logger: Logger) throws {
        self.directory = directory
        self.maxBytes = maxBytes
        self.whenFull = whenFull
        self.logger = logger
        var state = State(openProducers: producers)
        try DiskBuffer.makeDirectory(directory)
        let numbers = try FileManager.default.contentsOfDirectory(atPath: directory)
            .compactMap { name -> UInt64? in
                guard name.hasPrefix("segment-"), name.hasSuffix(".log") else { return nil }
                return UInt64(name.dropFirst("segment-".count).dropLast(".log".count))
            }.sorted()
        let cursor = DiskBuffer.loadCursor(directory)
        for number in numbers {
            if let cursor, number < cursor.segment {
                unlink(DiskBuffer.path(directory, number))
                continue
            }
            var info = stat()
            stat(DiskBuffer.path(directory, number), &info)
            state.segments.append(Segment(number: number, size: Int64(info.st_size)))
        }
        if state.segments.isEmpty { state.segments.append(Segment(number: (cursor?.segment ?? 0) + 1, size: 0)) }
        self.state = Mutex(state)
        try repairTail()
        try self.state.withLock { state in
            let last = state.segments[state.segments.count - 1]
            state.writer = open(DiskBuffer.path(directory, last.number), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard state.writer >= 0 else { throw DiskBufferError(DiskBuffer.path(directory, last.number), errno) }
            let first = state.segments[0]
            state.readSegment = first.number
            state.readOffset = cursor.map { $0.segment == first.number ? $0.offset : 0 } ?? 0
            state.acknowledged = (state.readSegment, state.readOffset)
            state.savedCursor = state.acknowledged
            state.totalBytes = state.segments.reduce(0) { $0 + $1.size }
        }
        let events = countUnread()
        self.state.withLock { $0.unreadEvents = events }
        if events > 0 { logger.info("disk buffer holds \(events) events from an earlier run; the sink delivers them first", metadata: ["buffer": "\(directory)"]) }
    }

    /// Records that could not be read (torn or corrupted), over the buffer's life.
    var corruptedRecords: Int { corrupted.load(ordering: .relaxed) }

    /// Bytes on disk.
    var sizeBytes: Int64 { state.withLock { $0.totalBytes } }

    var bufferedEvents: Int { state.withLock { $0.unreadEvents } }

    var isEmpty: Bool { state.withLock { !$0.hasUnread } }

    func hasRoom(for count: Int, bytes: Int) -> Bool {
        state.withLock { $0.consumerGone || $0.totalBytes < maxBytes }
    }

    /// Cuts a torn or corrupted tail off the last segment (the write a crash interrupted).
    private func repairTail() throws {
        let (number, size) = state.withLock { ($0.segments[$0.segments.count - 1].number, $0.segments[$0.segments.count - 1].size) }
        guard size > 0 else { return }
        let path = DiskBuffer.path(directory, number)
        guard let data = FileManager.default.contents(atPath: path) else { throw DiskBufferError(path, errno) }
        let parsed = DiskBuffer.parse(Array(data), maximumEvents: .max, atEndOfSegment: true)
        guard let tail = parsed.corrupt.last, tail.offset + tail.length == data.count else { return }
        guard truncate(path, off_t(tail.offset)) == 0 else { throw DiskBufferError(path, errno) }
        corrupted.add(1, ordering: .relaxed)
        logger.warning("disk buffer: cut a torn record at the end of \(path) (byte \(tail.offset), \(tail.length) bytes), left by a crash mid-write")
        state.withLock { $0.segments[$0.segments.count - 1].size = Int64(tail.offset) }
    }

    /// How many events lie between the read position and the end (for `/health`).
    private func countUnread() -> Int {
        let (segments, readSegment, readOffset) = state.withLock { ($0.segments, $0.readSegment, $0.readOffset) }
        var events = 0
        for segment in segments where segment.number >= readSegment {
            guard let data = FileManager.default.contents(atPath: DiskBuffer.path(directory, segment.number)) else { continue }
            let start = segment.number == readSegment ? Int(min(readOffset, Int64(data.count))) : 0
            events += DiskBuffer.parse(Array(data[start...]), maximumEvents: .max, atEndOfSegment: true).events.count
        }
        return events
    }

    deinit {
        state.withLock { state in
            if state.writer >= 0 { close(state.writer) }
            if state.reader >= 0 { close(state.reader) }
        }
    }

    // MARK: - Writing

    /// After a write fails for want of space, the first pause before trying again; it
    /// doubles up to ``longestNoSpacePause``.
    static let firstNoSpacePause = Duration.seconds(1)
    static let longestNoSpacePause = Duration.seconds(10)

    /// Appends the batch, waiting while the buffer is at `max_size` (the sink frees room) or
    /// the disk is full (tried again after a growing pause: space freed elsewhere, or the
    /// segments the sink finishes and deletes, let it through).
    func send(_ batch: EventBatch) async -> EventChannel.SendResult {
        var pause = Self.firstNoSpacePause
        while true {
            switch append(batch) {
            case .queued: return .queued
            case .consumerGone: return .consumerGone
            case .full:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.consumerGone || state.totalBytes < maxBytes { return true }
                        state.waitingSenders.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            case .noSpace(let reason):
                logger.warning("cannot write to the disk buffer: \(reason); the input is held back, trying again in \(pause)")
                // Not cut short by cancellation (a stopping source): the wait ends when there is
                // space, or when the sink fails and the buffer refuses the batch.
                let wait = pause
                await Task.detached { try? await Task.sleep(for: wait) }.value
                pause = min(pause * 2, Self.longestNoSpacePause)
            }
        }
    }

    /// Appends the batch if there is room (`when_full: drop_newest`); a full disk counts as full.
    func offer(_ batch: EventBatch) -> EventChannel.SendResult {
        switch append(batch) {
        case .queued: return .queued
        case .consumerGone: return .consumerGone
        case .full: return .full
        case .noSpace(let reason):
            if let failures = state.withLock({ $0.droppedForSpace.failed() }) {
                logger.warning("cannot write to the disk buffer: \(reason); events dropped (when_full: drop_newest), counted as dropped\(RepeatingFailure.note(failures))")
            }
            return .full
        }
    }

    private enum AppendOutcome {
        case consumerGone
        case full
        case noSpace(String)
        case failed(DiskBufferError)
        case written(CheckedContinuation<Void, Never>?)
    }

    /// What became of a batch handed to ``append(_:)``.
    private enum AppendResult {
        case queued
        case full
        case consumerGone
        /// The disk (or the quota) is full; nothing of the batch was kept.
        case noSpace(String)
    }

    /// Appends the batch's records. Once they are written the batch is durable here: its
    /// hold on its acknowledgement is released, and nothing of it stays in memory. A write
    /// that fails is cut back off the segment, so no torn record is left behind it.
    private func append(_ batch: EventBatch) -> AppendResult {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(batch.events.count * 512)
        for event in batch.events { DiskBuffer.encode(event, into: &bytes) }
        let outcome = state.withLock { state -> AppendOutcome in
            if state.consumerGone { return .consumerGone }
            guard state.totalBytes < maxBytes else { return .full }
            do {
                if state.segments[state.segments.count - 1].size >= Int64(DiskBuffer.segmentBytes) { try rotate(&state) }
                let path = DiskBuffer.path(directory, state.segments[state.segments.count - 1].number)
                try FileDescriptorWriter.writeAll(bytes, to: state.writer, target: path)
            } catch {
                _ = ftruncate(state.writer, off_t(state.segments[state.segments.count - 1].size))
                if let error = error as? WriteError, error.isOutOfSpace { return .noSpace("\(error)") }
                return .failed(DiskBufferError("\(error)"))
            }
            state.segments[state.segments.count - 1].size += Int64(bytes.count)
            state.totalBytes += Int64(bytes.count)
            state.unreadEvents += batch.count
            defer { state.receiver = nil }
            return .written(state.receiver)
        }
        switch outcome {
        case .consumerGone: return .consumerGone
        case .full: return .full
        case .noSpace(let reason): return .noSpace(reason)
        case .failed(let error):
            logger.error("cannot write to the disk buffer: \(error)")
            return .consumerGone
        case .written(let receiver):
            receiver?.resume()
            batch.acknowledgement?.release()
            return .queued
        }
    }

    /// Starts the next segment. The current one stays the writer until the next is open, so
    /// a failure (a full disk) leaves the buffer as it was, to be tried again.
    private func rotate(_ state: inout State) throws {
        let number = state.segments[state.segments.count - 1].number + 1
        let path = DiskBuffer.path(directory, number)
        let writer = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard writer >= 0 else { throw WriteError(target: path, errno: errno) }
        close(state.writer)
        state.writer = writer
        state.segments.append(Segment(number: number, size: 0))
    }

    func addProducer() -> Bool {
        state.withLock { state in
            guard state.openProducers > 0, !state.consumerGone else { return false }
            state.openProducers += 1
            return true
        }
    }

    func handOver() {
        let receiver = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.handingOver = true
            defer { state.receiver = nil }
            return state.receiver
        }
        receiver?.resume()
    }

    func takeOver() { state.withLock { $0.handingOver = false } }

    func producerFinished() {
        let receiver = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.openProducers -= 1
            defer { state.receiver = nil }
            return state.openProducers == 0 ? state.receiver : nil
        }
        receiver?.resume()
    }

    func consumerFailed() -> Int {
        let (lost, senders) = state.withLock { state -> (Int, [CheckedContinuation<Void, Never>]) in
            state.consumerGone = true
            defer { state.waitingSenders = [] }
            return (state.unreadEvents, state.waitingSenders)
        }
        senders.forEach { $0.resume() }
        // The events stay on disk: the next run delivers them.
        return lost
    }

    // MARK: - Reading

    func receive() async -> EventBatch? {
        while true {
            if state.withLock({ $0.handingOver }) { return nil }
            if let batch = readBatch() { return batch }
            let finished = state.withLock { state in
                !state.hasUnread && (state.openProducers == 0 || state.consumerGone)
            }
            if finished { return nil }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.hasUnread || state.openProducers == 0 || state.consumerGone || state.handingOver { return true }
                    state.receiver = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// Reads the next records (up to ``readBatchEvents``) as one batch whose acknowledgement
    /// moves the cursor; nil when nothing is unread.
    private func readBatch() -> EventBatch? {
        state.withLock { state -> EventBatch? in
            while state.hasUnread {
                guard let index = state.segments.firstIndex(where: { $0.number == state.readSegment }) else {
                    // The read segment is gone (deleted by hand): continue with the next one.
                    guard let next = state.segments.first(where: { $0.number > state.readSegment }) else { return nil }
                    moveReader(&state, to: next.number)
                    continue
                }
                let segment = state.segments[index]
                if state.readOffset >= segment.size {
                    guard index + 1 < state.segments.count else { return nil }
                    moveReader(&state, to: state.segments[index + 1].number)
                    continue
                }
                let path = DiskBuffer.path(directory, segment.number)
                if state.reader < 0 {
                    state.reader = open(path, O_RDONLY | O_CLOEXEC)
                    guard state.reader >= 0 else {
                        logger.error("cannot read the disk buffer: \(DiskBufferError(path, errno)); skipping \(path)")
                        state.readOffset = segment.size
                        continue
                    }
                }
                let length = Int(min(Int64(1 << 20), segment.size - state.readOffset))
                var chunk = [UInt8](repeating: 0, count: length)
                let read = chunk.withUnsafeMutableBytes { pread(state.reader, $0.baseAddress, length, off_t(state.readOffset)) }
                guard read == length else {
                    logger.error("cannot read the disk buffer: \(DiskBufferError(path, read < 0 ? errno : EIO)); skipping the rest of \(path)")
                    state.readOffset = segment.size
                    continue
                }
                let start = state.readOffset
                let parsed = DiskBuffer.parse(chunk, maximumEvents: DiskBuffer.readBatchEvents, atEndOfSegment: start + Int64(length) == segment.size)
                for skip in parsed.corrupt {
                    corrupted.add(1, ordering: .relaxed)
                    logger.warning("disk buffer: a torn or corrupted record in \(path) at byte \(start + Int64(skip.offset)) (\(skip.length) bytes) was skipped")
                }
                state.readOffset = start + Int64(parsed.consumed)
                state.unreadEvents = max(0, state.unreadEvents - parsed.events.count)
                if parsed.consumed == 0 {
                    // A record larger than the read window: read it whole.
                    let needed = DiskBuffer.recordLength(chunk)
                    guard needed > length, Int64(needed) <= segment.size - start else {
                        state.readOffset = segment.size
                        continue
                    }
                    var whole = [UInt8](repeating: 0, count: needed)
                    _ = whole.withUnsafeMutableBytes { pread(state.reader, $0.baseAddress, needed, off_t(start)) }
                    let single = DiskBuffer.parse(whole, maximumEvents: 1, atEndOfSegment: true)
                    guard !single.events.isEmpty else {
                        // Not a record after all (a damaged length): resynchronize from the next byte.
                        state.readOffset = start + 1
                        continue
                    }
                    state.readOffset = start + Int64(needed)
                    return makeBatch(single.events, &state)
                }
                if parsed.events.isEmpty { continue }
                return makeBatch(parsed.events, &state)
            }
            return nil
        }
    }

    private func moveReader(_ state: inout State, to number: UInt64) {
        if state.reader >= 0 { close(state.reader) }
        state.reader = -1
        state.readSegment = number
        state.readOffset = 0
    }

    /// A batch of read events whose acknowledgement moves the cursor past them.
    private func makeBatch(_ events: [Event], _ state: inout State) -> EventBatch {
        let sequence = state.inFlight.track((segment: state.readSegment, offset: state.readOffset))
        let token = Acknowledgement { [self] outcome in self.completed(sequence, outcome) }
        return EventBatch(events, acknowledgement: token)
    }

    /// A read batch is done: the cursor moves over the longest acknowledged prefix, and fully
    /// delivered segments are deleted (their space is then free for producers).
    private func completed(_ sequence: Int, _ outcome: DeliveryOutcome) {
        let (saveNow, scheduleSave, senders) = state.withLock { state -> (Bool, Bool, [CheckedContinuation<Void, Never>]) in
            guard let moved = state.inFlight.complete(sequence, delivered: outcome != .failed) else { return (false, false, []) }
            state.acknowledged = moved
            var senders: [CheckedContinuation<Void, Never>] = []
            if let acknowledged = state.acknowledged {
                while state.segments.count > 1, state.segments[0].number < acknowledged.segment {
                    let gone = state.segments.removeFirst()
                    unlink(DiskBuffer.path(directory, gone.number))
                    state.totalBytes -= gone.size
                }
                if state.totalBytes < maxBytes {
                    senders = state.waitingSenders
                    state.waitingSenders = []
                }
            }
            if state.inFlight.isEmpty || ContinuousClock.now - state.lastCursorSave >= .milliseconds(100) {
                return (true, false, senders)
            }
            guard !state.cursorSaveScheduled else { return (false, false, senders) }
            state.cursorSaveScheduled = true
            return (false, true, senders)
        }
        senders.forEach { $0.resume() }
        if saveNow { saveCursor() }
        if scheduleSave {
            Task {
                try? await Task.sleep(for: .milliseconds(100))
                state.withLock { $0.cursorSaveScheduled = false }
                saveCursor()
            }
        }
    }

    private func saveCursor() {
        let position = state.withLock { state -> (segment: UInt64, offset: Int64)? in
            guard let acknowledged = state.acknowledged,
                state.savedCursor.map({ $0 != acknowledged }) ?? true else { return nil }
            state.savedCursor = acknowledged
            state.lastCursorSave = .now
            return acknowledged
        }
        guard let position else { return }
        let path = directory + "/" + DiskBuffer.cursorFile
        let text = "\(position.segment) \(position.offset)\n"
        do {
            try text.write(toFile: path + ".tmp", atomically: false, encoding: .utf8)
            guard rename(path + ".tmp", path) == 0 else { throw DiskBufferError(path, errno) }
        } catch {
            if let failures = state.withLock({ $0.cursorFailures.failed() }) {
                logger.warning("cannot save the disk buffer's cursor: \(error)\(RepeatingFailure.note(failures))")
            }
            return
        }
        let ended = state.withLock { $0.cursorFailures.succeeded() }
        if ended > 0 { logger.notice("the disk buffer's cursor is saved again, after \(ended) failed attempts") }
    }
}

/// A failed disk-buffer operation: the file and the system's reason, one line.
struct DiskBufferError: Error, CustomStringConvertible {
    let description: String
    init(_ path: String, _ code: Int32) { description = "\(path): \(String(cString: strerror(code)))" }
    init(_ message: String) { description = message }
}