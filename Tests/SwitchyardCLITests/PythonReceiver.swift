import Foundation

/// A tiny HTTP receiver (python3, a thread per connection) that appends every POST body to a
/// file and answers 200: a real server for the `http` sink, outside the process under test.
enum PythonReceiver {
    /// Starts it on 127.0.0.1:`port`, appending to `file`; its script goes to `directory`.
    /// Stop it with SIGKILL (a child spawned from a test thread inherits its blocked signals).
    static func start(port: Int, file: String, directory: String) throws -> Process {
        let script = "\(directory)/receiver.py"
        try """
            import http.server, sys
            class H(http.server.BaseHTTPRequestHandler):
                protocol_version = 'HTTP/1.1'
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                    with open(sys.argv[2], 'ab') as f: f.write(body)
                    self.send_response(200); self.send_header('Content-Length', '0'); self.end_headers()
                def log_message(self, *a): pass
            http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "\(port)", file]
        // Not the test's own output: a child holding it open would keep `swift test` waiting.
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
