import Foundation
@testable import NATSClient
import NATSTestSupport
import Testing

/// User nkeys: the seed's text form, and authentication against a real server that lists
/// the public key.
@Suite("NATS nkeys", .serialized)
struct NATSNKeyTests {
    static let documentedSeed = DocumentedNKey.seed
    static let documentedPublicKey = DocumentedNKey.publicKey

    /// A seed in the nkey text form for `key` (32 bytes) of `kind` (the public prefix byte:
    /// 20 << 3 a user, 0 an account).
    static func seed(kind: UInt8, key: [UInt8]) -> String {
        var raw = [NKeyEncoding.seedPrefix | kind >> 5, (kind & 31) << 3] + key
        let checksum = NKeyEncoding.crc16(raw[...])
        raw += [UInt8(checksum & 0xFF), UInt8(checksum >> 8)]
        return NKeyEncoding.base32Encode(raw)
    }

    static func randomKey() -> [UInt8] { (0..<32).map { _ in UInt8.random(in: 0...255) } }

    static func temporaryFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "switchyard-nkey-\(UUID().uuidString)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("the documented seed gives the documented public key")
    func documentedPair() throws {
        #expect(try NATSNKey(seed: Self.documentedSeed).publicKey == Self.documentedPublicKey)
        #expect("\(try NATSNKey(seed: Self.documentedSeed))" == "nkey \(Self.documentedPublicKey)")
    }

    @Test("signatures are Ed25519's: RFC 8032's test vectors 1 and 2 (key, public key, signature)")
    func knownAnswers() throws {
        func bytes(_ hex: String) -> [UInt8] {
            stride(from: 0, to: hex.count, by: 2).map { UInt8(hex.dropFirst($0).prefix(2), radix: 16)! }
        }
        func base64URL(_ hex: String) -> String {
            Data(bytes(hex)).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let vectors = [
            ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
             "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
             "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
            ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
             "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "r",
             "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
        ]
        for (key, publicKey, message, signature) in vectors {
            let nkey = try NATSNKey(seed: Self.seed(kind: NKeyEncoding.userPrefix, key: bytes(key)))
            #expect(nkey.publicKey == NKeyEncoding.encode(prefix: NKeyEncoding.userPrefix, key: bytes(publicKey)))
            #expect(try nkey.sign(nonce: message) == base64URL(signature))
        }
    }

    @Test("a damaged seed, a public key, an account seed: refused with the reason, never echoing the seed")
    func invalidSeeds() throws {
        var damaged = Array(Self.documentedSeed)
        damaged[20] = damaged[20] == "A" ? "B" : "A"
        let cases = [
            (String(damaged), "checksum"),
            (Self.documentedPublicKey, "not a base32 nkey seed"),
            (Self.seed(kind: 0, key: Self.randomKey()), "not a user seed"),
            ("not a seed at all", "not a base32"),
        ]
        for (seed, reason) in cases {
            let error = #expect(throws: NATSError.self) { try NATSNKey(seed: seed) }
            let text = error.map { "\($0)" } ?? ""
            #expect(text.contains(reason), "\(text)")
            #expect(!text.contains(seed))
        }
    }

    @Test("a seed file: the first line starting with SU (a .creds file's seed block works); errors name the file, not the content")
    func seedFile() throws {
        let creds = try Self.temporaryFile("""
            -----BEGIN USER NKEY SEED-----
            \(Self.documentedSeed)
            ------END USER NKEY SEED------
            """)
        #expect(try NATSNKey(seedFile: creds).publicKey == Self.documentedPublicKey)
        let noSeed = try Self.temporaryFile("hunter2-secret\n")
        let error = #expect(throws: NATSError.self) { try NATSNKey(seedFile: noSeed) }
        #expect("\(error.map { "\($0)" } ?? "")".contains(noSeed))
        #expect(!"\(error.map { "\($0)" } ?? "")".contains("hunter2"))
        #expect(throws: NATSError.self) { try NATSNKey(seedFile: "/nonexistent/seed.nk") }
    }

    @Test("a server that authenticates by nkey lets the seed's holder in and refuses another key",
          .enabled(if: NATSServerProcess.isInstalled, "needs nats-server"))
    func serverAuthentication() async throws {
        let config = try Self.temporaryFile("authorization { users = [ { nkey: \(Self.documentedPublicKey) } ] }\n")
        let server = try NATSServerProcess(arguments: ["-c", config])
        var options = NATSConnection.Options(urls: [server.url])
        options.nkey = try NATSNKey(seed: Self.documentedSeed)
        let connection = try await NATSConnection.connect(options)
        let subscription = try connection.subscribe("signed")
        try connection.publish("signed", payload: Array("in".utf8))
        #expect(await subscription.next(limit: 1)?.first?.payload == Array("in".utf8))
        connection.close()

        // A valid user seed whose public key the server does not list.
        let stranger = Self.seed(kind: NKeyEncoding.userPrefix, key: Self.randomKey())
        #expect(stranger.hasPrefix("SU"))
        options.nkey = try NATSNKey(seed: stranger)
        let error = await #expect(throws: NATSError.self) { try await NATSConnection.connect(options) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("Authorization Violation"))
        options.nkey = nil
        await #expect(throws: NATSError.self) { try await NATSConnection.connect(options) }
    }
}
