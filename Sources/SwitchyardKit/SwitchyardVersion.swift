/// Switchyard's version, as sent in `User-Agent` headers.
public enum SwitchyardVersion {
    /// The version this binary reports (in the WebSocket source's User-Agent).
    public static let current = "0.3.0"
}
