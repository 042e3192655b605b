"""A small threaded static file server that compresses text like GitHub Pages does.

    python bench/gzip_server.py DIR [--prefix /survey/] [--port 0]

Serves DIR on 127.0.0.1 (port 0 picks a free port; the first line printed on stdout is
"serving http://127.0.0.1:PORT/PREFIX", then it runs until SIGTERM/SIGINT). With --prefix
the folder appears under that sub-path, as a GitHub Pages project site does under /<repo>/;
other paths are 404.

- Text responses (html, css, js/mjs, json, svg, xml, txt, map) are gzip-compressed (level 6)
  when the request's Accept-Encoding allows gzip; they carry `Vary: Accept-Encoding`.
  Compressed bodies are cached in memory (keyed by path, size and mtime) so the server's own
  compression time stays out of repeated measurements.
- Every other file is sent as it is: Pagefind's .pf_* fragments and its wasm.*.pagefind
  files are already gzip-compressed by Pagefind (its JS decompresses them), .wasm is sent as
  application/wasm.
- `Cache-Control: no-cache`, a strong ETag and `If-None-Match` → 304, HTTP/1.1 keep-alive,
  HEAD. Folder URLs serve index.html; a folder URL without its final slash redirects (301).
"""

from __future__ import annotations

import argparse
import gzip
import os
import posixpath
import signal
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

TEXT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".map": "application/json",
    ".bib": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
}
BINARY_TYPES = {
    ".wasm": "application/wasm",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".pdf": "application/pdf",
}
DEFAULT_TYPE = "application/octet-stream"  # .pf_meta, .pf_index, .pf_fragment, .pagefind


def accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding header allows gzip (q=0 refuses it)."""
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and float(q[2:] or 0) == 0)
    return False


class Cache:
    """Compressed bodies of text files, keyed by (path, size, mtime)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[str, tuple[tuple[int, int], bytes]] = {}

    def gzipped(self, path: Path, stat: os.stat_result) -> bytes:
        key = str(path)
        stamp = (stat.st_size, stat.st_mtime_ns)
        with self.lock:
            hit = self.entries.get(key)
        if hit and hit[0] == stamp:
            return hit[1]
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        with self.lock:
            self.entries[key] = (stamp, body)
        return body


def make_handler(directory: Path, prefix: str, cache: Cache, quiet: bool = True):
    """A request handler class serving `directory` under URL `prefix` ("/" or "/x/")."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "gzip-server/1"

        def log_message(self, format: str, *args) -> None:
            if not quiet:
                super().log_message(format, *args)

        def do_HEAD(self) -> None:
            self.respond(head=True)

        def do_GET(self) -> None:
            self.respond(head=False)

        def send_plain(self, status: HTTPStatus, text: str = "", extra: dict | None = None) -> None:
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(body)

        def resolve(self, url_path: str) -> Path | None:
            """The file or folder a URL path names, or None (outside the prefix or the root)."""
            if not url_path.startswith(prefix):
                return None
            rest = posixpath.normpath(unquote(url_path[len(prefix) :]) or ".")
            if rest.startswith(("..", "/")) or "\x00" in rest:
                return None
            target = (directory / rest).resolve()
            if target != directory and directory not in target.parents:
                return None
            return target

        def respond(self, head: bool) -> None:
            url_path = urlsplit(self.path).path
            if prefix != "/" and url_path == prefix.rstrip("/"):
                self.send_plain(HTTPStatus.MOVED_PERMANENTLY, extra={"Location": prefix})
                return
            target = self.resolve(url_path)
            if target is None or not target.exists():
                self.send_plain(HTTPStatus.NOT_FOUND, "not found\n")
                return
            if target.is_dir():
                if not url_path.endswith("/"):
                    self.send_plain(
                        HTTPStatus.MOVED_PERMANENTLY, extra={"Location": url_path + "/"}
                    )
                    return
                target = target / "index.html"
                if not target.is_file():
                    self.send_plain(HTTPStatus.NOT_FOUND, "not found\n")
                    return
            try:
                stat = target.stat()
                suffix = target.suffix.lower()
                text_type = TEXT_TYPES.get(suffix)
                compress = text_type is not None and accepts_gzip(
                    self.headers.get("Accept-Encoding")
                )
                etag = '"{:x}-{:x}{}"'.format(
                    stat.st_mtime_ns, stat.st_size, "-gz" if compress else ""
                )
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(HTTPStatus.NOT_MODIFIED)
                    self.send_header("ETag", etag)
                    self.send_header("Cache-Control", "no-cache")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if compress:
                    body = cache.gzipped(target, stat)
                else:
                    body = target.read_bytes()
            except OSError:
                self.send_plain(HTTPStatus.NOT_FOUND, "not found\n")
                return
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", text_type or BINARY_TYPES.get(suffix, DEFAULT_TYPE))
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.send_header("ETag", etag)
            if text_type is not None:
                self.send_header("Vary", "Accept-Encoding")
            if compress:
                self.send_header("Content-Encoding", "gzip")
            self.end_headers()
            if not head:
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def serve(directory: Path, prefix: str = "/", port: int = 0, quiet: bool = True) -> Server:
    """A bound (not yet running) server; call serve_forever() in a thread, shutdown() to stop."""
    if not prefix.startswith("/"):
        prefix = "/" + prefix
    if not prefix.endswith("/"):
        prefix += "/"
    handler = make_handler(Path(directory).resolve(), prefix, Cache(), quiet)
    return Server(("127.0.0.1", port), handler)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("directory", type=Path)
    parser.add_argument("--prefix", default="/", help="URL sub-path of the folder, e.g. /survey/")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", action="store_true", help="log every request to stderr")
    args = parser.parse_args()
    if not args.directory.is_dir():
        parser.error(f"{args.directory} is not a folder")
    server = serve(args.directory, args.prefix, args.port, quiet=not args.log)
    prefix = args.prefix if args.prefix.startswith("/") else "/" + args.prefix
    if not prefix.endswith("/"):
        prefix += "/"

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"serving http://127.0.0.1:{server.server_address[1]}{prefix}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
