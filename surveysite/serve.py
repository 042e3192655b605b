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
from urllib.parse import urlsplit

from .build_site import Project, build
from .problems import ContentError

log = logging.getLogger(__name__)

CLIENT_PATH = "/__surveysite/livereload.js"
STATUS_PATH = "/__surveysite/status"
CLIENT_JS = """(function () {
  var script = document.currentScript;
  var version = script && script.dataset.version ? Number(script.dataset.version) : null, box = null;
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
    fetch("__STATUS__", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      if (version !== null && s.version !== version) { location.reload(); return; }
      version = s.version; show(s.error);
    }).catch(function () {}).then(function () { setTimeout(poll, 700); });
  }
  poll();
})();
""".replace("__STATUS__", STATUS_PATH)
ERROR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Build failed</title></head>
<body><h1>The site has not been built yet</h1><p>Fix the problems below and save; this page reloads.</p>
</body></html>
"""


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
            self.fail(str(error))
            return
        except Exception as error:  # noqa: BLE001 - a code or template bug must not stop the preview
            self.fail(f"{type(error).__name__}: {error}", traceback=True)
            return
        with self.lock:
            self.version += 1
            self.error = None
        log.info("rebuilt (version %d)", self.version)

    def fail(self, message: str, traceback: bool = False) -> None:
        """Record a failed build; the last good site stays in place."""
        log.error(
            "build failed; still serving the last good site:\n%s", message, exc_info=traceback
        )
        with self.lock:
            self.error = message


class PreviewHandler(SimpleHTTPRequestHandler):
    """Serves the site, the live-reload client and the build status."""

    state: BuildState

    def do_GET(self) -> None:
        route = urlsplit(self.path).path
        if route == STATUS_PATH:
            with self.state.lock:
                body = json.dumps({"version": self.state.version, "error": self.state.error})
            return self.send_bytes(body.encode(), "application/json")
        if route == CLIENT_PATH:
            return self.send_bytes(CLIENT_JS.encode(), "text/javascript")
        path = Path(self.translate_path(self.path))
        if path.is_dir() and not route.endswith("/"):
            return super().do_GET()  # redirects to the folder's URL with a slash
        if path.is_dir():
            path = path / "index.html"
        if path.is_file():
            if path.suffix == ".html":
                return self.send_html(path.read_bytes())
            return super().do_GET()
        return self.send_missing()

    def send_missing(self) -> None:
        """The site's 404 page (as GitHub Pages serves it), or the error page before any build."""
        not_found = Path(self.directory) / "404.html"
        if not_found.is_file():
            return self.send_html(not_found.read_bytes(), 404)
        return self.send_html(ERROR_PAGE.encode(), 503)

    def send_html(self, html: bytes, status: int = 200) -> None:
        """A page with the live-reload client, which knows the build the page came from."""
        with self.state.lock:
            version = self.state.version
        client = f'<script src="{CLIENT_PATH}" data-version="{version}"></script></body>'
        self.send_bytes(
            html.replace(b"</body>", client.encode(), 1), "text/html; charset=utf-8", status
        )

    def send_bytes(self, body: bytes, content_type: str, status: int = 200) -> None:
        """Send a complete response that the browser must not cache."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        log.debug(format, *args)


def watch(
    project: Project, state: BuildState, stop: threading.Event, ready: threading.Event | None = None
) -> None:
    """Rebuild whenever content, templates or static files change; set `ready` once watching."""
    from watchfiles import watch as watch_changes

    folders = [p for p in (project.content, project.templates, project.static) if p.exists()]
    changes = watch_changes(
        *folders, stop_event=stop, debounce=150, yield_on_timeout=True, rust_timeout=200
    )
    for changed in changes:  # an empty set every 200 ms without changes: the watch is running
        if ready is not None:
            ready.set()
        if changed:
            state.rebuild(project)


def serve(project: Project, port: int) -> int:
    """Build, serve and watch until interrupted."""
    state = BuildState()
    state.rebuild(project)
    project.output.mkdir(exist_ok=True)
    handler = partial(
        type("Handler", (PreviewHandler,), {"state": state}), directory=str(project.output)
    )
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as error:
        log.error("cannot serve on 127.0.0.1:%d: %s", port, error.strerror or error)
        return 1
    stop, ready = threading.Event(), threading.Event()
    watcher = threading.Thread(target=watch, args=(project, state, stop, ready), daemon=True)
    watcher.start()
    ready.wait(timeout=10)  # an edit made as soon as the address shows is not missed
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
