"""Local preview: serve site/ on 127.0.0.1, rebuild on change, reload the browser.

A broken edit shows its problems in the terminal and over the page; the last good site
stays served because the build swaps site/ in only when it succeeds.
"""

from __future__ import annotations

import json
import logging
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .build_site import Project, build
from .problems import ContentError

log = logging.getLogger(__name__)

CLIENT_PATH = "/__surveysite/livereload.js"
STATUS_PATH = "/__surveysite/status"
CLIENT_JS = (
    """(function () {
  var version = null, box = null;
  function show(error) {
    if (!error) { if (box) { box.remove(); box = null; } return; }
    if (!box) {
      box = document.createElement("pre");
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:auto 1rem 1rem 1rem;max-height:50vh;overflow:auto;z-index:99;" +
        "margin:0;padding:1rem;background:#3b0d0c;color:#fff;border-radius:8px;font:14px/1.4 monospace;white-space:pre-wrap";
      document.body.appendChild(box);
    }
    box.textContent = "Build failed; showing the last good site.\\n\\n" + error;
  }
  function poll() {
    fetch("%s", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      if (version !== null && s.version !== version) { location.reload(); return; }
      version = s.version; show(s.error);
    }).catch(function () {}).then(function () { setTimeout(poll, 700); });
  }
  poll();
})();
"""
    % STATUS_PATH
)


class BuildState:
    """The current build number and the last error, shared with request threads."""

    def __init__(self) -> None:
        self.version = 0
        self.error: str | None = None
        self.lock = threading.Lock()

    def rebuild(self, project: Project) -> None:
        """Build once; record success (a new version) or the problems."""
        try:
            build(project)
        except ContentError as error:
            message = str(error)
            log.error("build failed:\n%s", message)
            with self.lock:
                self.error = message
            return
        with self.lock:
            self.version += 1
            self.error = None
        log.info("rebuilt (version %d)", self.version)


class PreviewHandler(SimpleHTTPRequestHandler):
    """Serves the site, the live-reload client and the build status."""

    state: BuildState

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == STATUS_PATH:
            with self.state.lock:
                body = json.dumps({"version": self.state.version, "error": self.state.error})
            return self.send_bytes(body.encode(), "application/json")
        if self.path == CLIENT_PATH:
            return self.send_bytes(CLIENT_JS.encode(), "text/javascript")
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            html = path.read_bytes().replace(
                b"</body>", f'<script src="{CLIENT_PATH}"></script></body>'.encode(), 1
            )
            return self.send_bytes(html, "text/html; charset=utf-8")
        return super().do_GET()

    def send_bytes(self, body: bytes, content_type: str) -> None:
        """Send a complete response that the browser must not cache."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - signature of the base class
        log.debug(format, *args)


def watch(project: Project, state: BuildState, stop: threading.Event) -> None:
    """Rebuild whenever content, templates or static files change."""
    from watchfiles import watch as watch_changes

    folders = [p for p in (project.content, project.templates, project.static) if p.exists()]
    for _ in watch_changes(*folders, stop_event=stop, debounce=150):
        state.rebuild(project)


def serve(project: Project, port: int) -> int:
    """Build, serve and watch until interrupted."""
    state = BuildState()
    state.rebuild(project)
    project.output.mkdir(exist_ok=True)
    handler = partial(
        type("Handler", (PreviewHandler,), {"state": state}), directory=str(project.output)
    )
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(project, state, stop), daemon=True)
    watcher.start()
    print(
        f"Serving {project.output} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl+C stops)",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
    return 0
