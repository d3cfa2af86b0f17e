// libFuzzer harness: the expression language (conditions, remap programs, templates)
// on arbitrary text, evaluated against a fixed event. Errors are fine; crashes, hangs
// and memory blow-ups are not.

private let event = Event(value: [
    "event_type": "state_changed",
    "data": ["entity_id": "sensor.kitchen", "new_state": ["state": "21.5", "attributes": ["unit": "°C"]]],
    "n": 7, "list": [1, 2, 3], "flag": true,
])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard count < 4096 else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: count), as: UTF8.self)
    if let expression = try? Expression(text) { _ = try? expression.evaluate(event) }
    if let program = try? RemapProgram(text) {
        var value = event.value
        _ = try? program.run(on: &value)
    }
    if let template = try? Template(text) { _ = try? template.renderPath(event) }
    return 0
}
