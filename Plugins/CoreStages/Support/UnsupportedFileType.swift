#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A path that names something the file stages cannot use safely: a named pipe or a socket
/// (opening or reading one blocks until another process acts, so a stop could not end it), or,
/// for reading, anything but a regular file.
struct UnsupportedFileType: Error, CustomStringConvertible {
    let path: String
    /// What the path is, as in "a named pipe".
    let kind: String
    /// What to use instead.
    let advice: String

    var description: String { "\(path) is \(kind), not a regular file: \(advice)" }

    /// The kind of file `mode` describes, for a message.
    static func kind(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: "a regular file"
        case S_IFDIR: "a directory"
        case S_IFIFO: "a named pipe"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        default: "a special file"
        }
    }

    /// Opens `path` without waiting on a named pipe (`O_NONBLOCK`), checks what it is with
    /// `allowed`, then makes the descriptor blocking again. Returns the descriptor and its
    /// `stat`; -1 with `errno` set when `open` fails.
    static func open(_ path: String, flags: Int32, mode: mode_t = 0,
                     allowed: (mode_t) -> Bool, advice: String) throws(UnsupportedFileType) -> (descriptor: Int32, info: stat) {
        var info = stat()
        let descriptor = Glibc.open(path, flags | O_NONBLOCK | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            // A named pipe opened for writing with no reader fails (ENXIO) rather than waiting.
            let failure = errno
            if stat(path, &info) == 0, !allowed(info.st_mode) {
                throw UnsupportedFileType(path: path, kind: kind(of: info.st_mode), advice: advice)
            }
            errno = failure
            return (-1, info)
        }
        fstat(descriptor, &info)
        guard allowed(info.st_mode) else {
            Glibc.close(descriptor)
            throw UnsupportedFileType(path: path, kind: kind(of: info.st_mode), advice: advice)
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        return (descriptor, info)
    }
}
