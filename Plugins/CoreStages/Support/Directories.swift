#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SwitchyardKit

/// Makes directories with plain system calls, so that a failure is one readable line.
enum Directories {
    /// Makes the directory that holds `path`, and its parents, if missing.
    static func make(parentOf path: String) throws {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        try make(String(path[..<slash]))
    }

    /// Makes `directory` and its parents, if missing.
    static func make(_ directory: String) throws {
        var info = stat()
        if stat(directory, &info) == 0 {
            if (info.st_mode & S_IFMT) == S_IFDIR { return }
            throw WriteError(target: directory, errno: ENOTDIR)
        }
        if let slash = directory.lastIndex(of: "/"), slash != directory.startIndex {
            try make(String(directory[..<slash]))
        }
        if mkdir(directory, 0o755) != 0, errno != EEXIST { throw WriteError(target: directory, errno: errno) }
    }
}
