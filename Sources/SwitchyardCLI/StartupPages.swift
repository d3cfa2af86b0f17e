import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Gives back the pages of the executable's code and read-only data that starting the
/// pipeline touched, once it runs.
///
/// Start-up runs code a running pipeline never runs again (argument parsing, YAML, option
/// reflection, making the stages), and the kernel maps up to 64 KB around every page touched.
/// Those pages are clean, shared copies of the executable file: `MADV_DONTNEED` unmaps them,
/// the page cache keeps them until the kernel needs the memory, and what the pipeline runs
/// afterwards maps its own pages back (a minor fault each). Mapped code is also what the
/// kernel's reclaim protects longest, so unmapping it lets start-up code go first under
/// memory pressure.
///
/// Only segments the executable never writes are advised: not the relocated data (RELRO) nor
/// any writable segment, whose pages are the process's own. A segment holding a private copy
/// of a page (a debugger's breakpoint, a uprobe) is left alone too, as unmapping would undo
/// the copy.
enum StartupPages {
    /// What one release found: bytes of the read-only segments resident before and after.
    struct Release {
        var residentBefore: Int
        var residentAfter: Int
    }

    /// How long after the pipeline starts: its stages' own start-up (opening files, binding
    /// ports) runs in their tasks, just after the pipeline is built.
    static let settleDelay = Duration.seconds(1)

    /// Releases, and says at debug level how much was resident before and after.
    static func release(reportingTo logger: Logger) {
        guard let release = release() else { return }
        func megabytes(_ bytes: Int) -> Logger.MetadataValue {
            let tenths = (bytes * 10 + 524_288) / 1_048_576
            return "\(tenths / 10).\(tenths % 10) MB"
        }
        logger.debug("start-up pages released", metadata: [
            "resident_before": megabytes(release.residentBefore), "resident_after": megabytes(release.residentAfter),
        ])
    }

    /// Unmaps the executable's read-only segments; nil where there is nothing to release (not
    /// Linux, or `/proc` unreadable).
    static func release() -> Release? {
        #if canImport(Glibc)
        let segments = readOnlySegments()
        guard !segments.isEmpty, let pagemap = PageMap() else { return nil }
        var release = Release(residentBefore: 0, residentAfter: 0)
        for segment in segments {
            guard let pages = pagemap.pages(in: segment) else { continue }
            release.residentBefore += pages.resident * pageSize
            guard pages.privateCopies == 0,
                  madvise(UnsafeMutableRawPointer(bitPattern: segment.lowerBound), segment.count, MADV_DONTNEED) == 0
            else {
                release.residentAfter += pages.resident * pageSize
                continue
            }
            release.residentAfter += (pagemap.pages(in: segment)?.resident ?? 0) * pageSize
        }
        return release
        #else
        return nil
        #endif
    }

    #if canImport(Glibc)
    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// The executable's loaded segments without write permission, shrunk to whole pages.
    private static func readOnlySegments() -> [Range<Int>] {
        let programHeaderType: UInt32 = 6, loadSegment: UInt32 = 1, relocatedReadOnly: UInt32 = 0x6474_e552
        let writable: UInt32 = 2
        guard let (address, count) = programHeaders(),
              let headers = UnsafePointer<Elf64_Phdr>(bitPattern: address) else { return [] }
        let all = (0..<count).map { headers[$0] }
        // Where the executable was loaded: its program headers' address less their own link address.
        guard let own = all.first(where: { $0.p_type == programHeaderType }) else { return [] }
        let base = address - Int(own.p_vaddr)
        func range(_ header: Elf64_Phdr) -> Range<Int> {
            let start = base + Int(header.p_vaddr)
            return start..<(start + Int(header.p_memsz))
        }
        let relocated = all.filter { $0.p_type == relocatedReadOnly }.map(range)
        return all.compactMap { header -> Range<Int>? in
            guard header.p_type == loadSegment, header.p_flags & writable == 0 else { return nil }
            let bytes = range(header)
            let pages = roundUp(bytes.lowerBound)..<(bytes.upperBound / pageSize * pageSize)
            guard !pages.isEmpty, !relocated.contains(where: { $0.overlaps(pages) }) else { return nil }
            return pages
        }
    }

    /// The address and count of the executable's program headers, from the auxiliary vector
    /// the kernel gave the process (`AT_PHDR`, `AT_PHNUM`).
    private static func programHeaders() -> (address: Int, count: Int)? {
        let descriptor = open("/proc/self/auxv", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var vector = [UInt64](repeating: 0, count: 128)
        let bytes = vector.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        guard bytes > 0 else { return nil }
        var address: Int?, count: Int?
        for index in stride(from: 0, to: bytes / 8 - 1, by: 2) {
            switch vector[index] {
            case 3: address = Int(vector[index + 1])
            case 5: count = Int(vector[index + 1])
            default: break
            }
        }
        guard let address, let count else { return nil }
        return (address, count)
    }

    private static func roundUp(_ address: Int) -> Int { (address + pageSize - 1) / pageSize * pageSize }

    /// `/proc/self/pagemap`: for each page of this process, whether it is resident and whether
    /// it is the file's page or a private copy.
    private struct PageMap: ~Copyable {
        private let descriptor: Int32
        private static let present: UInt64 = 1 << 63
        private static let fileOrShared: UInt64 = 1 << 61

        init?() {
            let descriptor = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return nil }
            self.descriptor = descriptor
        }

        deinit { close(descriptor) }

        /// Resident pages of `range` (page-aligned), and how many of them are private copies.
        func pages(in range: Range<Int>) -> (resident: Int, privateCopies: Int)? {
            let count = range.count / pageSize
            var entries = [UInt64](repeating: 0, count: count)
            let wanted = count * MemoryLayout<UInt64>.size
            let read = entries.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress, wanted, off_t(range.lowerBound / pageSize * MemoryLayout<UInt64>.size))
            }
            guard read == wanted else { return nil }
            let resident = entries.filter { $0 & Self.present != 0 }
            return (resident.count, resident.filter { $0 & Self.fileOrShared == 0 }.count)
        }
    }
    #endif
}
