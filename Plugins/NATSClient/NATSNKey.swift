// Ed25519 from swift-nio-ssl's BoringSSL, which TLS links in anyway: a second copy
// (swift-crypto's) only for this signature cost the shipped binary 1.4 MB.
import CNIOBoringSSL
import Foundation

/// A NATS user nkey: an Ed25519 key pair read from its seed (`SU…`), used to sign the nonce a
/// server sends in INFO when it authenticates users by nkey.
///
/// The seed is the secret: this type never prints it (``description`` shows the public key).
public struct NATSNKey: Sendable, CustomStringConvertible {
    /// The seed and the public key, as BoringSSL's `ED25519_sign` takes them.
    private let privateKey: [UInt8]
    /// The public key as NATS writes it (`U…`, 56 characters): what the server's config lists.
    public let publicKey: String

    /// The key pair of a user seed (`SU…`, base32 with a CRC-16 check).
    public init(seed: String) throws(NATSError) {
        guard let raw = NKeyEncoding.base32Decode(seed.trimmingCharacters(in: .whitespacesAndNewlines)), raw.count == 36 else {
            throw .invalidNKey("not a base32 nkey seed of 58 characters")
        }
        let body = raw.prefix(34)
        let checksum = UInt16(raw[34]) | UInt16(raw[35]) << 8
        guard NKeyEncoding.crc16(body) == checksum else { throw .invalidNKey("its checksum does not match") }
        guard raw[0] & 0xF8 == NKeyEncoding.seedPrefix else { throw .invalidNKey("it is not a seed (a seed starts with 'S')") }
        let kind = (raw[0] & 0x07) << 5 | (raw[1] & 0xF8) >> 3
        guard kind == NKeyEncoding.userPrefix else { throw .invalidNKey("it is not a user seed (a user seed starts with 'SU')") }
        let seed = Array(raw[2..<34])
        var publicBytes = [UInt8](repeating: 0, count: 32)
        var privateBytes = [UInt8](repeating: 0, count: 64)
        ED25519_keypair_from_seed(&publicBytes, &privateBytes, seed)
        privateKey = privateBytes
        publicKey = NKeyEncoding.encode(prefix: NKeyEncoding.userPrefix, key: publicBytes)
    }

    /// The seed in a file: its first line that starts with `SU` (as in a `.nk` file or a
    /// `.creds` file's seed block). Errors name the file, never its content.
    public init(seedFile path: String) throws(NATSError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .invalidNKey("cannot read the seed file '\(path)'")
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let seed = lines.first(where: { $0.hasPrefix("SU") }) else {
            throw .invalidNKey("the seed file '\(path)' holds no user seed (a line starting with 'SU')")
        }
        do {
            try self.init(seed: seed)
        } catch {
            guard case .invalidNKey(let reason) = error else { throw error }
            throw .invalidNKey("the seed file '\(path)': \(reason)")
        }
    }

    /// The signature of `nonce` as CONNECT's `sig` wants it (base64url, no padding).
    public func sign(nonce: String) throws(NATSError) -> String {
        let message = Array(nonce.utf8)
        var signature = [UInt8](repeating: 0, count: 64)
        guard ED25519_sign(&signature, message, message.count, privateKey) == 1 else {
            throw .invalidNKey("cannot sign the server's nonce")
        }
        return Data(signature).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public var description: String { "nkey \(publicKey)" }
}

/// The nkey text form: a prefix byte, the key, a CRC-16 (XMODEM, little-endian), in base32
/// without padding.
enum NKeyEncoding {
    /// 'S' in the first base32 character.
    static let seedPrefix: UInt8 = 18 << 3
    /// 'U' in the first base32 character.
    static let userPrefix: UInt8 = 20 << 3

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// `prefix` + `key` + CRC, base32.
    static func encode(prefix: UInt8, key: [UInt8]) -> String {
        var raw = [prefix] + key
        let checksum = crc16(raw[...])
        raw += [UInt8(checksum & 0xFF), UInt8(checksum >> 8)]
        return base32Encode(raw)
    }

    static func crc16(_ bytes: ArraySlice<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        return crc
    }

    static func base32Encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int(buffer >> UInt32(bits - 5) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[Int(buffer << UInt32(5 - bits) & 31)]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes unpadded base32 (upper case); nil for any other character.
    static func base32Decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for character in text.utf8 {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = buffer << 5 | UInt32(value)
            bits += 5
            if bits >= 8 {
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits - 8)))
                bits -= 8
            }
        }
        return output
    }
}
