/// Switchyard's version, as sent in `User-Agent` headers.
public enum SwitchyardVersion {
    public static let current = "0.3.0"
}
