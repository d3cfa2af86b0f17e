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
