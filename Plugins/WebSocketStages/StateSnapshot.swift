import Foundation
import SwitchyardKit

/// `resync: states`: turns Home Assistant's `get_states` answer into one event per entity,
/// shaped like a `state_changed` event so that the same pipelines consume it.
struct StateSnapshot: Sendable {
    static let eventType = "switchyard_state_snapshot"

    let sourceID: String
    let buffer: InboundBuffer

    func emit(_ states: [JSONValue]) async {
        let now = Date().timeIntervalSince1970
        let metadata = EventMetadata(sourceID: sourceID, receivedAt: now)
        let fired = JSONValue.string(RFC3339.string(fromSeconds: now))
        let events = states.compactMap { state -> Event? in
            guard let entity = state["entity_id"] else { return nil }
            return Event(value: [
                "event_type": .string(Self.eventType),
                "data": ["entity_id": entity, "new_state": state],
                "origin": "SWITCHYARD",
                "time_fired": fired,
            ], metadata: metadata)
        }
        await buffer.push(events)
    }
}
