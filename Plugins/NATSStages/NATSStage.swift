import Logging
import NATSClient
import SwitchyardKit

/// What the nats source and sink share: their health report and how they connect.
protocol NATSStage: HealthReporting {
    /// The connection's state, pending acknowledgements, redeliveries, last error.
    var health: NATSHealth { get }
}

extension NATSStage {
    public func healthDetails() -> JSONObject { health.details() }
    public var isReady: Bool? { health.isConnected }
    public func metricSamples() -> [MetricSample] { health.samples() }

    /// The connector for these connection options and reconnection settings.
    func makeConnector(_ options: NATSConnection.Options, reconnect: NATSReconnectOptions, logger: Logger) -> NATSConnector {
        NATSConnector(options: options, backoff: reconnect.backoff, health: health, logger: logger)
    }
}
