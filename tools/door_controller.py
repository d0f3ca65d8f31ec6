#!/usr/bin/env python3
"""Reference door controller for maillage (Python 3.9+, standard library only).

Runs on a Raspberry Pi-class device next to a USB badge reader that types each badge's UID
followed by Enter (keyboard emulation). For every line read on standard input it asks the
server whether the door may open; when the server cannot be reached it decides from the last
signed allow-list it downloaded, and keeps what happened in a queue that it uploads as soon
as the server answers again (the server ignores entries it already has).

    python3 door_controller.py --server https://maillage.example.org \
        --key-id dc_0123456789abcdef --secret-file /etc/maillage/door.key \
        --state-dir /var/lib/maillage-door --open-command "/usr/local/bin/gache 3"

Input lines: a badge UID ("04A23B1C", "04:a2:3b:1c"), or a code typed at a keypad prefixed
with "*" ("*4821"). Each decision is printed as one line: "OUVERT <rule> <reason>" or
"REFUSE <rule> <reason>", and the open command (if any) is run on "OUVERT".
See README.md, "Installer le contrôleur de porte".
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import secrets
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

API = "/api/access/v1"
UPLOAD_CHUNK = 500


class Unreachable(Exception):
    """The server did not answer (network down, timeout, 5xx, bad signature)."""


def normalise(kind: str, value: str) -> str:
    value = value.strip()
    if kind == "badge":
        return re.sub(r"[\s:\-]", "", value).upper()
    return re.sub(r"\s", "", value)


def credential_hash(key_hex: str, kind: str, value: str) -> str:
    message = f"{kind}:{normalise(kind, value)}".encode()
    return hmac.new(bytes.fromhex(key_hex), message, hashlib.sha256).hexdigest()


class DoorController:
    def __init__(self, server: str, key_id: str, secret: str, state_dir, *, timeout=3.0,
                 clock=time.time, sync_every=300.0):
        if not server.startswith(("https://", "http://")):
            raise ValueError("the server URL must start with https:// (or http:// locally)")
        self.server = server.rstrip("/")
        self.key_id, self.secret = key_id, secret
        self.state = Path(state_dir)
        self.state.mkdir(parents=True, exist_ok=True)
        self.timeout, self.clock, self.sync_every = timeout, clock, sync_every
        self.last_sync = 0.0
        self.allow_list = self._load_allow_list()

    # --- signed HTTP ----------------------------------------------------------------------
    def _request(self, method: str, path: str, payload=None) -> dict:
        body = b"" if payload is None else json.dumps(payload).encode()
        timestamp, nonce = str(int(self.clock())), secrets.token_hex(16)
        canonical = "\n".join([method, path, timestamp, nonce,
                               hashlib.sha256(body).hexdigest()]).encode()
        headers = {
            "X-Maillage-Controller": self.key_id, "X-Maillage-Timestamp": timestamp,
            "X-Maillage-Nonce": nonce,
            "X-Maillage-Signature": hmac.new(self.secret.encode(), canonical,
                                             hashlib.sha256).hexdigest(),
        }
        if payload is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self.server + path, data=body or None, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                content, signature = response.read(), response.headers.get(
                    "X-Maillage-Signature", "")
        except urllib.error.HTTPError as exc:
            # 5xx, or 401 (e.g. the device's clock drifted): keep the door working offline and
            # say why on stderr.
            detail = exc.read().decode(errors="replace")[:300]
            print(f"serveur : HTTP {exc.code} {detail}", file=sys.stderr, flush=True)
            raise Unreachable(f"HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:  # includes timeouts
            raise Unreachable(str(exc)) from exc
        if not self._signed(nonce, content, signature):
            raise Unreachable("réponse non signée ou altérée")
        return {"data": json.loads(content), "raw": content.decode(), "nonce": nonce,
                "signature": signature}

    def _signed(self, nonce: str, content: bytes, signature: str) -> bool:
        expected = hmac.new(self.secret.encode(), nonce.encode() + b"\n" + content,
                            hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature or "")

    # --- allow-list -----------------------------------------------------------------------
    @property
    def _list_path(self) -> Path:
        return self.state / "allow-list.json"

    @property
    def _queue_path(self) -> Path:
        return self.state / "queue.jsonl"

    def _load_allow_list(self) -> dict | None:
        """The cached list, only if its signature still checks (the file may be tampered)."""
        try:
            saved = json.loads(self._list_path.read_text())
        except (OSError, ValueError):
            return None
        if not self._signed(saved["nonce"], saved["raw"].encode(), saved["signature"]):
            return None
        return json.loads(saved["raw"])

    def download_allow_list(self) -> dict:
        answer = self._request("GET", f"{API}/allow-list")
        tmp = self._list_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({k: answer[k] for k in ("raw", "nonce", "signature")}))
        os.replace(tmp, self._list_path)
        self.allow_list = answer["data"]
        return self.allow_list

    # --- queue of entries decided offline -------------------------------------------------
    def _queue(self) -> list[dict]:
        try:
            lines = self._queue_path.read_text().splitlines()
        except OSError:
            return []
        return [json.loads(line) for line in lines if line.strip()]

    def _enqueue(self, event: dict) -> None:
        with self._queue_path.open("a") as fh:
            fh.write(json.dumps(event) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def _write_queue(self, events: list[dict]) -> None:
        tmp = self._queue_path.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(e) + "\n" for e in events))
        os.replace(tmp, self._queue_path)

    def upload_queue(self) -> dict:
        """Send queued entries; each is dropped only once the server acknowledged it."""
        totals = {"recorded": 0, "duplicates": 0, "rejected": 0}
        while True:
            queued = self._queue()
            if not queued:
                return totals
            chunk = queued[:UPLOAD_CHUNK]
            answer = self._request("POST", f"{API}/events", {"events": chunk})["data"]
            for name in ("recorded", "duplicates"):
                totals[name] += answer[name]
            totals["rejected"] += len(answer["rejected"])
            self._write_queue(queued[len(chunk):])

    def sync(self) -> bool:
        """Upload the queue, then refresh the allow-list. False when the server is away."""
        try:
            self.upload_queue()
            self.download_allow_list()
        except Unreachable:
            return False
        self.last_sync = self.clock()
        return True

    # --- decisions ------------------------------------------------------------------------
    def decide(self, line: str) -> dict:
        kind, value = ("code", line.strip()[1:]) if line.strip().startswith("*") else (
            "badge", line.strip())
        event_id = secrets.token_hex(12)
        try:
            answer = self._request("POST", f"{API}/decisions",
                                   {"type": kind, "value": value, "event_id": event_id})
            decision = dict(answer["data"], online=True)
        except Unreachable:
            decision = self.decide_offline(kind, value)
            decision.update(online=False, event_id=event_id)
            self._enqueue({
                "event_id": event_id,
                "at": datetime.fromtimestamp(self.clock(), timezone.utc).isoformat(),  # noqa: UP017
                "credential_hash": decision.pop("credential_hash", ""),
                "allowed": decision["allowed"], "rule": decision["rule"],
                "reason": decision["reason"],
                "list_version": (self.allow_list or {}).get("version")})
        return decision

    def decide_offline(self, kind: str, value: str) -> dict:
        """The server's rules, as far as the allow-list carries them; fail closed."""
        now = self.clock()
        allow_list = self.allow_list
        if allow_list is None:
            return _result(False, "no_allow_list", "Hors ligne et aucune liste d'accès.")
        h = credential_hash(allow_list["hash_key"], kind, value)
        if now >= allow_list["valid_until"]:
            return _result(False, "list_expired", "Hors ligne et liste d'accès expirée.", h)
        entry = next((e for e in allow_list["entries"] if e["h"] == h), None)
        if entry is None or (kind == "badge") != (entry["k"] == "badge"):
            return _result(False, "unknown_credential", "Badge ou code inconnu.", h)
        if "until" in entry and now >= entry["until"]:
            return _result(False, "expired", "Droits d'accès expirés.", h)
        if entry.get("always"):
            return _result(True, entry["rule"], "Accès à toute heure (hors ligne).", h)
        if any(a <= now < b for a, b in entry.get("windows", [])):
            return _result(True, "booking", "Réservation en cours (hors ligne).", h)
        if entry.get("open_hours") and any(a <= now < b for a, b in allow_list["open"]):
            return _result(True, "opening_hours", "Lieu ouvert (hors ligne).", h)
        return _result(False, "closed", "Lieu fermé (hors ligne).", h)

    def run(self, lines, out=sys.stdout, open_command: str = "") -> None:
        self.sync()
        for line in lines:
            if not line.strip():
                continue
            if self.clock() - self.last_sync >= self.sync_every:
                self.sync()
            decision = self.decide(line)
            word = "OUVERT" if decision["allowed"] else "REFUSE"
            print(f"{word} {decision['rule']} {decision['reason']}", file=out, flush=True)
            if decision["allowed"] and open_command:
                subprocess.run(shlex.split(open_command), check=False)  # noqa: S603
            if decision["online"] and self._queue():
                self.sync()  # the server is back: send what was kept meanwhile


def _result(allowed, rule, reason, credential_hash="") -> dict:
    return {"allowed": allowed, "rule": rule, "reason": reason,
            "credential_hash": credential_hash}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default=os.environ.get("MAILLAGE_SERVER"))
    parser.add_argument("--key-id", default=os.environ.get("MAILLAGE_KEY_ID"))
    parser.add_argument("--secret-file", help="fichier contenant la clé secrète")
    parser.add_argument("--state-dir", default=os.environ.get("MAILLAGE_STATE_DIR",
                                                              "/var/lib/maillage-door"))
    parser.add_argument("--timeout", type=float, default=3.0)
    parser.add_argument("--sync-every", type=float, default=300.0)
    parser.add_argument("--open-command", default="")
    parser.add_argument("--sync-only", action="store_true",
                        help="envoie la file, télécharge la liste et s'arrête")
    args = parser.parse_args(argv)
    secret = (Path(args.secret_file).read_text().strip() if args.secret_file
              else os.environ.get("MAILLAGE_SECRET", ""))
    if not (args.server and args.key_id and secret):
        parser.error("--server, --key-id et la clé (--secret-file ou MAILLAGE_SECRET) "
                     "sont obligatoires")
    controller = DoorController(args.server, args.key_id, secret, args.state_dir,
                                timeout=args.timeout, sync_every=args.sync_every)
    if args.sync_only:
        return 0 if controller.sync() else 1
    controller.run(sys.stdin, open_command=args.open_command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
