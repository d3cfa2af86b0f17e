/// The user seed and public key of the NATS documentation's nkey example: a pair whose text
/// form was made by NATS's own tools.
public enum DocumentedNKey {
    /// The seed (`SU…`).
    public static let seed = "SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY"
    /// Its public key (`U…`).
    public static let publicKey = "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4"
}
