import Logging
import NATSClient
import SwitchyardKit

/// Keeps one connection for a nats stage: connects on demand, and after a failure waits
/// (backoff with jitter) before the next attempt; records it all in the stage's health.
actor NATSConnector {
    private let options: NATSConnection.Options
    private var backoff: Backoff
    private let health: NATSHealth
    private let logger: Logger
    private var connection: NATSConnection?
    private var everConnected = false

    init(options: NATSConnection.Options, backoff: Backoff, health: NATSHealth, logger: Logger) {
        self.options = options
        self.backoff = backoff
        self.health = health
        self.logger = logger
    }

    /// The open connection, connecting (and waiting between attempts) as long as it takes;
    /// throws only when the task is cancelled, after `attempts` failed tries, or after 3 more
    /// once `isStopping` says the pipeline is stopping (so that a stop ends while the server
    /// stays down).
    func connection(attempts: Int = .max, isStopping: @Sendable () -> Bool = { false }) async throws -> NATSConnection {
        if let connection, !connection.isClosed { return connection }
        if connection != nil {
            health.connected(false)
            connection = nil
        }
        var tried = 0
        var triedWhileStopping = 0
        while true {
            try Task.checkCancellation()
            do {
                let made = try await NATSConnection.connect(options)
                connection = made
                health.connected(true)
                if everConnected { health.reconnected() }
                everConnected = true
                backoff.reset()
                logger.info("connected to NATS", metadata: ["url": "\(made.url)"])
                return made
            } catch {
                tried += 1
                health.failed("\(error)")
                let wait = backoff.next()
                logger.warning("\(error); retrying in \(wait)")
                if isStopping() { triedWhileStopping += 1 }
                if tried >= attempts || triedWhileStopping >= 3 { throw error }
                try await Task.sleep(for: wait)
            }
        }
    }

    /// Drops a connection that failed (the next call connects again).
    func discard(_ failed: NATSConnection, because error: NATSError) {
        health.failed("\(error)")
        failed.close()
        if connection === failed {
            connection = nil
            health.connected(false)
        }
    }
}
