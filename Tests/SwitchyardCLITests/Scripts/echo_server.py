"""An HTTP server on 127.0.0.1 that refuses every POST with 401 and echoes the request's
path and headers in the body, as some servers do: prints its port, then serves until killed."""
import http.server
import sys


class Echo(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = ("refused " + self.path + " with " + repr(dict(self.headers))).encode()
        self.send_response(401)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *arguments):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Echo)
print(server.server_address[1], flush=True)
server.serve_forever()
