import SwitchyardKit

extension StageRegistry {
    /// Registers the SQLite stages: the `sqlite` sink.
    public mutating func registerSQLiteStages() {
        register(SQLiteSink.self)
    }
}
