import CZlib

/// Decompresses a request body sent with `Content-Encoding: gzip` or `deflate` as it arrives,
/// in pieces of at most ``pieceBytes``, so the compressed body is never held and a
/// decompression bomb is stopped by the caller's limit after one piece past it.
final class BodyInflater {
    /// The encodings a body may arrive in.
    enum Encoding: String, Sendable {
        /// RFC 1952 members; several in a row (`cat a.gz b.gz`) are one body, as for `zcat`.
        case gzip
        /// HTTP's `deflate`: the zlib format (RFC 1950).
        case deflate
    }

    /// Why a compressed body was refused.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The most bytes one call to `output` receives.
    static let pieceBytes = 16 << 10
    /// Memory an inflater holds besides the body: zlib's 32 KiB window and state, and the piece.
    static let workingBytes = 64 << 10

    let encoding: Encoding
    private let stream: UnsafeMutablePointer<z_stream>
    private var piece = [UInt8](repeating: 0, count: BodyInflater.pieceBytes)
    /// Compressed bytes given so far.
    private var consumed = 0
    /// The stream (or, for gzip, its last member) ended.
    private var ended = false

    init(_ encoding: Encoding) throws(Failure) {
        self.encoding = encoding
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15-bit window; +16 reads the gzip wrapper, plain 15 the zlib one.
        guard switchyard_inflateInit2(stream, encoding == .gzip ? 31 : 15) == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw Failure(description: "could not start decompressing (out of memory)")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Decompresses `input`, calling `output` with each decompressed piece until it answers
    /// false; returns false when it did. Throws when the data is not valid `encoding`.
    func feed(_ input: UnsafeRawBufferPointer, output: (UnsafeBufferPointer<UInt8>) -> Bool) throws(Failure) -> Bool {
        guard let base = input.baseAddress, !input.isEmpty else { return true }
        consumed += input.count
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(input.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        // Until the input is used up and the last piece did not fill the window (zlib may hold
        // output back for want of room).
        var filled = false
        repeat {
            if ended {
                guard stream.pointee.avail_in > 0 else { break }
                guard encoding == .gzip else { throw Failure(description: "data after the end of the deflate stream") }
                inflateReset(stream)
                ended = false
            }
            var status: Int32 = Z_OK
            let taken = piece.withUnsafeMutableBufferPointer { window in
                stream.pointee.next_out = window.baseAddress
                stream.pointee.avail_out = UInt32(window.count)
                status = inflate(stream, Z_NO_FLUSH)
                filled = stream.pointee.avail_out == 0
                let produced = window.count - Int(stream.pointee.avail_out)
                return produced == 0 || output(UnsafeBufferPointer(rebasing: window[..<produced]))
            }
            switch status {
            case Z_OK, Z_BUF_ERROR: break
            case Z_STREAM_END: ended = true
            default: throw Failure(description: "the \(encoding.rawValue) data is corrupt (\(Self.reason(status, stream.pointee.msg)))")
            }
            guard taken else { return false }
            // No progress possible with room left: zlib wants more input than there is.
            if status == Z_BUF_ERROR, !filled { break }
        } while stream.pointee.avail_in > 0 || filled
        return true
    }

    /// Throws unless the compressed data ended where the body did (a truncated body, or an
    /// empty one with no compressed stream at all, would otherwise pass as shorter data).
    func finish() throws(Failure) {
        guard consumed == 0 || ended else {
            throw Failure(description: "the \(encoding.rawValue) data ends before its compressed stream does (truncated)")
        }
    }

    private static func reason(_ status: Int32, _ message: UnsafePointer<CChar>?) -> String {
        if let message { return String(cString: message) }
        return status == Z_NEED_DICT ? "needs a preset dictionary" : "zlib status \(status)"
    }
}
