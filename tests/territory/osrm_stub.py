"""A local HTTP server that answers like OSRM's `table` service (for tests only).

Durations and distances follow a known rule (road = 1.4 × great circle, 50 km/h, plus
2 minutes for trips that leave the point) so tests can check what the client and the fit do.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from territory.travel import haversine_km

DETOUR, SPEED, UNREACHABLE_LON = 1.4, 50.0, -30.0


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server API
        url = urlsplit(self.path)  # not urlparse: it cuts ";params"
        self.server.calls.append(self.path)
        parts = url.path.split("/")  # /table/v1/driving/lon,lat;lon,lat
        if parts[1:4] != ["table", "v1", "driving"]:
            return self._reply(400, {"code": "InvalidUrl", "message": "bad path"})
        coords = [tuple(map(float, c.split(","))) for c in parts[4].split(";")]
        query = parse_qs(url.query)
        sources = [int(i) for i in query["sources"][0].split(";")]
        dests = [int(i) for i in query["destinations"][0].split(";")]
        durations, distances = [], []
        for i in sources:
            drow, krow = [], []
            for j in dests:
                (lon1, lat1), (lon2, lat2) = coords[i], coords[j]
                if UNREACHABLE_LON in (lon1, lon2):
                    drow.append(None)
                    krow.append(None)
                    continue
                road = float(haversine_km(lat1, lon1, lat2, lon2)) * DETOUR
                drow.append(road / SPEED * 3600)
                krow.append(road * 1000)
            durations.append(drow)
            distances.append(krow)
        self._reply(200, {"code": "Ok", "durations": durations, "distances": distances})

    def _reply(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class StubOSRM:
    def __enter__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.calls = []
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    @property
    def calls(self):
        return self.server.calls

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
