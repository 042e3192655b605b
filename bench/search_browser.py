"""Browser search benchmark: surveysite (Lunr) against Hugo + Pagefind, cold cache, as you type.

    python bench/search_browser.py                            # real, 1000, 10000, 50000
    python bench/search_browser.py --sizes real,1000 --runs 5

For each corpus (bench/work/s<size>/, shared with bench/run.py; generated if missing):

1. Both sites are built if missing. Our site is rebuilt (after copying the repo's templates/
   and static/ into the corpus, as generate.py does) when the repo's static/, templates/,
   surveysite/, build.py or the corpus content changed since our last build, or when
   something else (bench/run.py) rebuilt site/ since; --rebuild never keeps what is there.
   Hugo + Pagefind is built if public/pagefind/ is missing (always for "real"). A build that
   fails or takes longer than --build-timeout is reported in the results, never a crash.
2. A minimal Pagefind search page is written to hugo/public/search-bench/ (see PAGEFIND_JS):
   on the first `input` event it imports /pagefind/pagefind.js; on every `input` event it
   calls pagefind.debouncedSearch(q, {}, 80) (80 ms, like our DEBOUNCE_MS; debouncedSearch
   also preloads the index chunks of every intermediate word, Pagefind's documented
   search-as-you-type path), then loads r.data() of the top ?n= results and renders their
   titles and excerpts as li.search-result.
   Two comparisons, each with the same number of results rendered on both sides:
   - "ours" (our search/ page, which shows a first batch of PAGE_BATCH results, read from the
     built search.js, 20 today) against "pagefind" (n = that batch);
   - "ours-panel" (the header search box on our home page: 8 results in its panel) against
     "pagefind-8" (n = 8).
3. Each site is served from a hard-linked snapshot (s<size>/search-bench-serve/, so a
   concurrent bench/run.py that deletes site/ or hugo/public/ cannot pull the files away)
   by bench/gzip_server.py (a subprocess): gzip for text as GitHub Pages
   does, other files as they are. Ours under /survey/ (a project site), Pagefind's at /.
4. Each run is a new browser context (cold HTTP and code caches). The page is opened (ours:
   survey/search/ or the home page survey/, theirs: search-bench/), load and network idle are
   awaited (not measured), then
   the input is focused and the query typed with keyboard.type(q, delay=--delay ms). The
   clock starts at the focus (ours starts loading its index on focus; the first keystroke
   follows it within a few ms). In the page, a MutationObserver stamps the moment the first
   .search-result element is in the results list ("first results", whatever prefix of the
   query it answers), the moment the list has results and the status line names the whole
   query ("whole query"), and the last change to the list. A run then waits until the network has been idle and the list unchanged
   for --settle ms ("settled").
5. Bytes are what the browser received on the wire for every request made after the focus,
   from Playwright's request.sizes() (response headers + encoded body, i.e. gzip bytes for
   compressed responses), requests from Pagefind's web worker included. "Bytes before first
   results" counts the requests that finished before the first result appeared.

One discarded warm-up run per page fills the server's gzip cache and the OS page cache.
Runs alternate between the pages for each query, so background load hits all alike. Also
recorded (JSON): the longest main-thread task after the focus (Long Tasks API), total
blocking time, and the largest keystroke input delay.
Writes bench/SEARCH.md and bench/search_results.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Self

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work"
STAMP = ".search-bench-stamp"
SERVE = "search-bench-serve"  # the hard-linked copies of both sites that are served
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
QUERIES = ["neural", "spiking", "attention", "transformer", "kernel"]
OURS, PAGEFIND = "ours", "pagefind"
OURS_PANEL, PAGEFIND_8 = "ours-panel", "pagefind-8"
OUR_PREFIX = "/survey/"
PANEL_RESULTS = 8  # our header panel shows 8 results
DEFAULT_BATCH = 20  # our search page's first batch (PAGE_BATCH in static/search.js)

# Each engine: which site, which page, the selectors the instrumentation watches.
ENGINES = {
    OURS: {
        "site": OURS,
        "page": "search/",
        "input": "#search-page-input",
        "list": "#search-results",
        "result": ".search-result",
        "status": "#search-status",
    },
    OURS_PANEL: {
        "site": OURS,
        "page": "",  # the home page's header search box
        "input": "#site-search-input",
        "list": "#site-search-panel",
        "result": ".search-result",
        "status": "#site-search-panel .search-panel-status",
    },
    PAGEFIND: {
        "site": PAGEFIND,
        "page": "search-bench/?n={batch}",
        "input": "#search-input",
        "list": "#search-results",
        "result": ".search-result",
        "status": "#search-status",
    },
    PAGEFIND_8: {
        "site": PAGEFIND,
        "page": f"search-bench/?n={PANEL_RESULTS}",
        "input": "#search-input",
        "list": "#search-results",
        "result": ".search-result",
        "status": "#search-status",
    },
}
# The comparisons: (ours, theirs, title).
PAIRS = [
    (
        OURS,
        PAGEFIND,
        "Search page: our `search/` page (its first batch of {batch} results) vs Pagefind rendering {batch}",
    ),
    (
        OURS_PANEL,
        PAGEFIND_8,
        f"Header box: our search-as-you-type panel on the home page ({PANEL_RESULTS} results) vs Pagefind rendering {PANEL_RESULTS}",
    ),
]

PAGEFIND_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Search</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/style.css"></head>
<body><header><a href="/">Survey</a></header>
<main><h1>Search</h1>
<form role="search" action="/search-bench/"><label for="search-input">Search papers</label>
<input type="search" id="search-input" name="q" autocomplete="off"></form>
<p id="search-status" aria-live="polite"></p>
<ol id="search-results" class="search-results"></ol></main>
<script src="/search-bench/search.js"></script>
</body></html>
"""

# Search as you type with Pagefind's JS API, the way a site would write it.
PAGEFIND_JS = """(function () {
  "use strict";
  var DEBOUNCE_MS = 80;  // the same as surveysite's search.js
  // Results whose data() is loaded and rendered: ?n= (the benchmark passes our page's count).
  var SHOWN = parseInt(new URLSearchParams(location.search).get("n"), 10) || 8;
  var input = document.getElementById("search-input");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var loading = null;

  function pagefind() {
    if (!loading) {
      loading = import("/pagefind/pagefind.js");
    }
    return loading;
  }

  function item(data) {
    var li = document.createElement("li");
    li.className = "search-result";
    var a = document.createElement("a");
    a.className = "search-result-title";
    a.href = data.url;
    a.textContent = (data.meta && data.meta.title) || data.url;
    var p = document.createElement("p");
    p.className = "search-result-snippet";
    p.innerHTML = data.excerpt;  // Pagefind's excerpt: escaped text with <mark> elements
    li.append(a, p);
    return li;
  }

  input.form.addEventListener("submit", function (event) { event.preventDefault(); });
  input.addEventListener("input", async function () {
    var q = input.value;
    var pf = await pagefind();
    if (!q.trim()) {
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    var search = await pf.debouncedSearch(q, {}, DEBOUNCE_MS);
    if (search === null || input.value !== q) {
      return;  // superseded by a newer keystroke
    }
    var data = await Promise.all(search.results.slice(0, SHOWN).map(function (r) { return r.data(); }));
    if (input.value !== q) {
      return;
    }
    list.replaceChildren.apply(list, data.map(item));
    status.textContent = search.results.length + " papers match \\u201c" + q + "\\u201d";
  });
})();
"""

# Installed in every page before its scripts: stamps the focus, keystrokes, the first result
# and every later change of the results list, on one clock (epoch ms, high resolution).
INSTRUMENT_JS = """(() => {
  const RESULT = %s, LIST = %s, STATUS = %s;
  const now = () => performance.timeOrigin + performance.now();
  const b = window.__bench = {query: null, t0: null, firstKey: null, lastKey: null, keys: 0,
                              first: null, firstCount: 0, full: null, fullCount: 0, last: null, changes: 0,
                              maxInputDelay: 0, longTasks: []};
  addEventListener("focusin", () => { if (b.t0 === null) b.t0 = now(); }, true);
  addEventListener("keydown", (event) => {
    const t = now();
    b.maxInputDelay = Math.max(b.maxInputDelay, performance.now() - event.timeStamp);
    if (b.t0 === null) b.t0 = t;
    if (b.firstKey === null) b.firstKey = t;
    b.lastKey = t; b.keys++;
  }, true);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longTasks.push([performance.timeOrigin + e.startTime, e.duration]);
    }).observe({type: "longtask", buffered: true});
  } catch (e) { /* no Long Tasks API */ }
  new MutationObserver((records) => {
    const t = now();
    const list = document.querySelector(LIST);
    if (!list) return;
    const found = list.querySelectorAll(RESULT).length;
    if (b.first === null) {
      if (found) { b.first = t; b.firstCount = found; b.last = t; }
    } else if (records.some((r) => list === r.target || list.contains(r.target))) {
      b.last = t; b.changes++;
    }
    if (b.full === null && found && b.query !== null) {
      const status = document.querySelector(STATUS);
      if (status && status.textContent.includes("\u201c" + b.query + "\u201d")) { b.full = t; b.fullCount = found; }
    }
  }).observe(document, {childList: true, subtree: true, characterData: true});
})();"""

# ------------------------------------------------------------------ corpora and builds


def log(message: str) -> None:
    print(message, flush=True)


def corpus(size: str) -> Path:
    """The corpus folder for a size ('real' or a paper count), generated if missing."""
    folder = WORK / f"s{size}"
    if (
        size == "real"
        or not (folder / "hugo" / "content").exists()
        or not (folder / "content").exists()
    ):
        log(f"{size}: generating corpus in {folder}")
        subprocess.run([sys.executable, str(BENCH / "generate.py"), size, str(folder)], check=True)
    return folder


def sources_digest() -> str:
    """A digest of what our build depends on besides the content."""
    digest = hashlib.sha256()
    for base in ("static", "templates", "surveysite"):
        for path in sorted((REPO / base).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(REPO)).encode())
                digest.update(path.read_bytes())
    digest.update((REPO / "build.py").read_bytes())
    return digest.hexdigest()


def sync_project_files(folder: Path, size: str) -> None:
    """Give the corpus the repo's current templates/ and static/ (as generate.py copies them)."""
    for name in ("templates", "static"):
        shutil.rmtree(folder / name, ignore_errors=True)
        shutil.copytree(REPO / name, folder / name)


def build_ours(folder: Path, size: str, rebuild: str, timeout: float) -> dict:
    """Build our site if missing or stale; returns {'ok', 'seconds'|'error', 'built'}."""
    site = folder / "site"
    # The content counts too: bench/run.py edits a paper and rebuilds in the same folder.
    digest = sources_digest() + ":" + content_digest(folder / "content")
    stamp = folder / STAMP
    fresh = (
        (site / "search" / "index.html").exists()
        and stamp.exists()
        and stamp.read_text() == digest
        # ... and nobody (bench/run.py) rebuilt site/ since.
        and site.stat().st_mtime <= stamp.stat().st_mtime + 1
    )
    built_from = stamp.read_text()[:12] if stamp.exists() else "unknown"
    if rebuild == "never" and (site / "search" / "index.html").exists():
        return {"ok": True, "built": False, "sources": built_from}
    if fresh and rebuild != "always":
        return {"ok": True, "built": False, "sources": built_from}
    sync_project_files(folder, size)
    log(f"{size}: building our site")
    start = time.perf_counter()
    try:
        result = subprocess.run(
            [sys.executable, str(REPO / "build.py"), "--root", str(folder), "-q"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"our build took longer than {timeout:.0f} s (skipped)"}
    seconds = time.perf_counter() - start
    if result.returncode != 0 or not (site / "search" / "index.html").exists():
        return {
            "ok": False,
            "error": f"our build failed (exit {result.returncode}): {(result.stderr or result.stdout)[-1500:]}",
        }
    stamp.write_text(digest)
    log(f"{size}: our build took {seconds:.1f} s")
    return {"ok": True, "built": True, "seconds": round(seconds, 1), "sources": digest[:12]}


def content_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def build_pagefind(folder: Path, size: str, timeout: float) -> dict:
    """Build Hugo + Pagefind if missing; always (re)write the search-bench page."""
    hugo = folder / "hugo"
    public = hugo / "public"
    result: dict = {"ok": True, "built": False}
    if size == "real" or not (public / "pagefind" / "pagefind.js").exists():
        log(f"{size}: building Hugo + Pagefind")
        shutil.rmtree(public, ignore_errors=True)
        shutil.rmtree(hugo / "resources", ignore_errors=True)
        start = time.perf_counter()
        for command in (
            ["hugo", "--quiet", "-d", "public"],
            [sys.executable, "-m", "pagefind", "--site", "public", "--output-subdir", "pagefind"],
        ):
            try:
                done = subprocess.run(
                    command, cwd=hugo, capture_output=True, text=True, timeout=timeout, check=False
                )
            except subprocess.TimeoutExpired:
                return {"ok": False, "error": f"{command[0]} took longer than {timeout:.0f} s"}
            if done.returncode != 0:
                return {
                    "ok": False,
                    "error": f"{' '.join(command)} failed: {(done.stderr or done.stdout)[-1500:]}",
                }
        result.update(built=True, seconds=round(time.perf_counter() - start, 1))
        log(f"{size}: Hugo + Pagefind took {result['seconds']} s")
    if not (public / "pagefind" / "pagefind.js").exists():
        return {"ok": False, "error": "Pagefind output missing"}
    page = public / "search-bench"
    page.mkdir(exist_ok=True)
    (page / "index.html").write_text(PAGEFIND_HTML, encoding="utf-8")
    (page / "search.js").write_text(PAGEFIND_JS, encoding="utf-8")
    return result


# ------------------------------------------------------------------ servers


class StaticServer:
    """bench/gzip_server.py in a subprocess; a context manager."""

    def __init__(self, directory: Path, prefix: str = "/") -> None:
        self.directory, self.prefix = directory, prefix
        self.process: subprocess.Popen | None = None
        self.url = ""

    def __enter__(self) -> Self:
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(BENCH / "gzip_server.py"),
                str(self.directory),
                "--prefix",
                self.prefix,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.process.stdout.readline().strip()
        if not line.startswith("serving "):
            self.__exit__()
            raise RuntimeError(f"gzip_server did not start for {self.directory}")
        self.url = line.split(" ", 1)[1]
        return self

    def __exit__(self, *exc) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.process = None


# ------------------------------------------------------------------ one measurement


def group_of(url: str, base: str) -> str:
    """A file's group: its path with hashes and numbers folded (index shards, fragments)."""
    path = url.removeprefix(base)
    path = path.split("?", 1)[0]
    path = re.sub(r"[0-9a-f]{6,}", "*", path)
    return re.sub(r"\d+", "#", path)


def measure_once(
    browser, engine: str, url: str, query: str, delay: int, settle_ms: int, timeout_s: float
) -> dict:
    """One cold run: a new context, open the page, type, wait for results and quiet."""
    sel = ENGINES[engine]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(
        script=INSTRUMENT_JS
        % (json.dumps(sel["result"]), json.dumps(sel["list"]), json.dumps(sel["status"]))
    )
    requests: list = []
    failed: list = []
    inflight: dict = {}
    errors: list[str] = []
    last_net = [time.monotonic()]

    def on_request(request):
        inflight[id(request)] = request
        last_net[0] = time.monotonic()

    def on_done(request):
        inflight.pop(id(request), None)
        requests.append(request)
        last_net[0] = time.monotonic()

    def on_failed(request):
        inflight.pop(id(request), None)
        failed.append(request)
        last_net[0] = time.monotonic()

    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda msg: (
            errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None
        ),
    )
    try:
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(200)
        context.on("request", on_request)
        context.on("requestfinished", on_done)
        context.on("requestfailed", on_failed)
        page.evaluate("(q) => { window.__bench.query = q; }", query)
        page.focus(sel["input"])
        page.keyboard.type(query, delay=delay)
        deadline = time.monotonic() + timeout_s
        first = None
        typed = time.monotonic()
        while time.monotonic() < deadline:
            state = page.evaluate("window.__bench")
            if state["first"] is not None and state["full"] is not None:
                first = state
                break
            if time.monotonic() - typed > 5 and any(
                r.response() and r.response().status >= 400 for r in requests
            ):
                bad = [r.url for r in requests if r.response() and r.response().status >= 400]
                errors.append("HTTP errors: " + ", ".join(bad[:3]))
                break
            page.wait_for_timeout(20)
        if first is None:
            state = page.evaluate("window.__bench")
            what = "no result" if state["first"] is None else "no result for the whole query"
            return {"ok": False, "error": f"{what} within {timeout_s:.0f} s", "errors": errors[:5]}
        # Settle: the network idle and the results list unchanged for settle_ms.
        while time.monotonic() < deadline:
            page.wait_for_timeout(100)
            state = page.evaluate("window.__bench")
            page_quiet = (
                page.evaluate("performance.timeOrigin + performance.now()") - state["last"]
                >= settle_ms
            )
            net_quiet = not inflight and time.monotonic() - last_net[0] >= settle_ms / 1000
            if page_quiet and net_quiet:
                break
        settled = not inflight
        counts = page.evaluate(
            "([l, r]) => document.querySelectorAll(l + ' ' + r).length",
            [sel["list"], sel["result"]],
        )
        t0 = state["t0"]
        files = []
        for request in requests:
            sizes = request.sizes()
            timing = request.timing
            end = (
                timing["startTime"] + timing["responseEnd"] if timing["responseEnd"] >= 0 else None
            )
            files.append(
                {
                    "url": request.url,
                    "bytes": sizes["responseBodySize"] + sizes["responseHeadersSize"],
                    "body": sizes["responseBodySize"],
                    "status": request.response().status if request.response() else None,
                    "start_ms": round(timing["startTime"] - t0, 1),
                    "end_ms": round(end - t0, 1) if end is not None else None,
                }
            )
        first_ms = state["first"] - t0
        full_ms = state["full"] - t0
        before = [f for f in files if f["end_ms"] is not None and f["end_ms"] <= first_ms + 0.5]
        before_full = [f for f in files if f["end_ms"] is not None and f["end_ms"] <= full_ms + 0.5]
        bad = [f for f in files if f["status"] and f["status"] >= 400]
        if bad:
            errors.append("HTTP errors: " + ", ".join(f"{f['status']} {f['url']}" for f in bad[:3]))
        if failed:
            errors.append("failed requests: " + ", ".join(r.url for r in failed[:3]))
        return {
            "ok": True,
            "first_ms": round(first_ms, 1),
            "full_ms": round(full_ms, 1),
            "full_after_last_key_ms": round(state["full"] - state["lastKey"], 1),
            "focus_to_first_key_ms": round(state["firstKey"] - t0, 1),
            "max_input_delay_ms": round(state["maxInputDelay"], 1),
            "blocking_ms": round(
                sum(max(0.0, d - 50) for s0, d in state["longTasks"] if s0 >= t0 - 1), 1
            ),
            "long_task_ms": round(
                max((d for s0, d in state["longTasks"] if s0 >= t0 - 1), default=0.0), 1
            ),
            "typing_ms": round(state["lastKey"] - t0, 1),
            "settled_ms": round(state["last"] - t0, 1),
            "settled": settled,
            "first_count": state["firstCount"],
            "full_count": state["fullCount"],
            "final_count": counts,
            "list_changes": state["changes"],
            "bytes_first": sum(f["bytes"] for f in before),
            "requests_first": len(before),
            "bytes_full": sum(f["bytes"] for f in before_full),
            "bytes_total": sum(f["bytes"] for f in files),
            "requests_total": len(files),
            "files": files,
            "errors": errors[:10],
        }
    finally:
        context.close()


# ------------------------------------------------------------------ per size


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarise(runs: list[dict], base: str) -> dict:
    ok = [r for r in runs if r.get("ok")]
    out: dict = {"runs": len(runs), "ok_runs": len(ok)}
    if not ok:
        out["error"] = next((r.get("error") for r in runs if r.get("error")), "no run succeeded")
        return out
    for key in (
        "first_ms",
        "full_ms",
        "full_after_last_key_ms",
        "typing_ms",
        "focus_to_first_key_ms",
        "settled_ms",
        "bytes_first",
        "bytes_full",
        "bytes_total",
        "max_input_delay_ms",
        "blocking_ms",
        "long_task_ms",
        "requests_first",
        "requests_total",
        "first_count",
        "full_count",
        "final_count",
    ):
        out[key] = median([r[key] for r in ok])
    out["first_ms_all"] = [r["first_ms"] for r in ok]
    out["full_ms_all"] = [r["full_ms"] for r in ok]
    # Where the bytes go (the median run by time to first results).
    mid = sorted(ok, key=lambda r: r["first_ms"])[len(ok) // 2]
    groups: dict[str, dict] = {}
    for f in mid["files"]:
        g = groups.setdefault(group_of(f["url"], base), {"files": 0, "bytes": 0, "bytes_first": 0})
        g["files"] += 1
        g["bytes"] += f["bytes"]
        if f["end_ms"] is not None and f["end_ms"] <= mid["first_ms"] + 0.5:
            g["bytes_first"] += f["bytes"]
    out["groups"] = dict(sorted(groups.items(), key=lambda kv: -kv[1]["bytes"]))
    out["errors"] = sorted({e for r in runs for e in r.get("errors", [])})[:10]
    return out


def snapshot(source: Path, target: Path) -> Path:
    """A hard-linked copy of a built site, served instead of the build folder.

    bench/run.py works in the same corpus folders and deletes site/ and hugo/public/ when it
    runs; the links keep the files being served alive meanwhile (both builds replace files,
    never rewrite them in place).
    """
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(["cp", "-al", str(source), str(target)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target)
    return target


def page_batch(site: Path) -> int:
    """How many results our search page shows first (PAGE_BATCH in the built search.js)."""
    for path in (site / "static").glob("search*.js"):
        found = re.search(
            r"PAGE_BATCH\s*=\s*(\d+)", path.read_text(encoding="utf-8", errors="replace")
        )
        if found:
            return int(found.group(1))
    return DEFAULT_BATCH


def bench_size(browser, size: str, args) -> dict:
    result: dict = {"size": size}
    try:
        folder = corpus(size)
    except Exception as error:  # noqa: BLE001 - report, go on with the next size
        return {**result, "error": f"corpus generation failed: {error}"}
    result["papers"] = len(list((folder / "content" / "papers").glob("*.yaml")))
    result["build_ours"] = build_ours(folder, size, args.rebuild, args.build_timeout)
    result["build_pagefind"] = build_pagefind(folder, size, args.build_timeout)
    sites = {}
    try:
        if result["build_ours"]["ok"]:
            sites[OURS] = (snapshot(folder / "site", folder / SERVE / OURS), OUR_PREFIX)
        if result["build_pagefind"]["ok"]:
            sites[PAGEFIND] = (snapshot(folder / "hugo" / "public", folder / SERVE / PAGEFIND), "/")
    except (OSError, subprocess.CalledProcessError) as error:
        return {**result, "error": f"could not snapshot the built sites: {error}"}
    batch = page_batch(sites[OURS][0]) if OURS in sites else DEFAULT_BATCH
    result["batch"] = batch
    engines = [e for e in args.engines if ENGINES[e]["site"] in sites]
    raw: dict = {engine: {q: [] for q in args.queries} for engine in engines}
    with _servers(sites) as servers:

        def url(engine: str) -> str:
            spec = ENGINES[engine]
            return servers[spec["site"]] + spec["page"].format(batch=batch)

        def one(engine: str, query: str) -> dict:
            try:
                return measure_once(
                    browser, engine, url(engine), query, args.delay, args.settle, args.timeout
                )
            except Exception as error:  # noqa: BLE001 - a run that breaks is a failed run
                return {"ok": False, "error": f"{type(error).__name__}: {error}"}

        for engine in list(engines):  # one discarded warm-up per page
            warm = one(engine, args.queries[0])
            if not warm.get("ok"):
                reason = "; ".join([warm.get("error", "?"), *warm.get("errors", [])[:3]])
                log(f"{size} {engine}: warm-up failed, not measured: {reason}")
                result[f"skipped_{engine}"] = reason
                engines.remove(engine)
                raw.pop(engine)
        for run in range(args.runs):
            for query in args.queries:
                for engine in engines:
                    measured = one(engine, query)
                    raw[engine][query].append(measured)
                    if measured.get("ok"):
                        log(
                            f"{size} {engine:10s} {query:12s} run {run + 1}: "
                            f"first {measured['first_ms']:6.0f} ms, "
                            f"{measured['bytes_first'] / 1000:7.1f} KB before, "
                            f"{measured['bytes_total'] / 1000:7.1f} KB total, "
                            f"settled {measured['settled_ms']:6.0f} ms"
                        )
                    else:
                        log(
                            f"{size} {engine:10s} {query:12s} run {run + 1}: FAILED {measured.get('error')}"
                        )
        bases = {engine: servers[ENGINES[engine]["site"]] for engine in engines}
    result["queries"] = {
        query: {engine: summarise(raw[engine][query], bases[engine]) for engine in raw}
        for query in args.queries
    }
    if args.keep_runs:
        result["raw"] = raw
    return result


class _servers:
    """One gzip_server per site: {site: base URL}."""

    def __init__(self, sites: dict[str, tuple[Path, str]]) -> None:
        self.sites = sites
        self.running: list[StaticServer] = []

    def __enter__(self) -> dict:
        urls = {}
        try:
            for site, (directory, prefix) in self.sites.items():
                server = StaticServer(directory, prefix).__enter__()
                self.running.append(server)
                urls[site] = server.url
        except BaseException:
            self.__exit__()
            raise
        return urls

    def __exit__(self, *exc) -> None:
        while self.running:
            self.running.pop().__exit__()


# ------------------------------------------------------------------ report


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    cpu = next(
        (l.split(":", 1)[1].strip() for l in cpuinfo.splitlines() if l.startswith("model name")),
        platform.processor(),
    )
    mem_kb = int(
        next(
            l.split()[1]
            for l in Path("/proc/meminfo").read_text().splitlines()
            if l.startswith("MemTotal")
        )
    )
    hugo = subprocess.run(
        ["hugo", "version"], capture_output=True, text=True, check=False
    ).stdout.split()
    pagefind = subprocess.run(
        [sys.executable, "-m", "pagefind", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kb / 1024**2, 1),
        "load_average": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        "python": platform.python_version(),
        "hugo": hugo[1] if len(hugo) > 1 else "?",
        "pagefind": pagefind,
    }


def kb(value: float | None) -> str:
    return "–" if value is None else f"{value / 1000:,.1f}"


def ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def ratio(a: float | None, b: float | None) -> str:
    return "–" if not a or not b else f"{a / b:.2f}"


def size_order(r: dict) -> tuple[int, int]:
    size = str(r.get("size"))
    return (0, 0) if size == "real" else (1, int(size) if size.isdigit() else 0)


def report(results: list[dict], meta: dict) -> str:
    results = sorted(results, key=size_order)
    m = meta["machine"]
    lines = [
        "# Search in the browser: surveysite (Lunr) vs Hugo + Pagefind",
        "",
        (
            f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM (load average at the end {m['load_average']}); "
            f"{meta['chromium']} (headless, via Playwright {meta['playwright']}); Python {m['python']}; Hugo {m['hugo']}; {m['pagefind']}."
        ),
        "",
        (
            f"Command of the last run: `{meta['command']}` ({meta['runs']} cold runs per query and page, medians; "
            f"`keyboard.type(q, delay={meta['delay']})`; settled = network idle and results unchanged for {meta['settle']} ms)."
        ),
        "",
        "How it is measured (details in the docstring of `bench/search_browser.py`):",
        "",
        (
            "- Cold cache: a new browser context per run. The page is loaded first (not counted); "
            "the clock starts when the search box gets focus, and the query is typed right after it "
            "(the first keystroke follows the focus within a few ms)."
        ),
        (
            "- **First results**: time until the first `.search-result` element is in the results list, whatever "
            "prefix of the query it answers (a site that answers while the reader is still typing shows results sooner). "
            "**Whole query**: time until the list shows results and the status line names the whole query. "
            "Both include the typing (the *typing* column: first to last keystroke, as Playwright typed it on this "
            "machine) and the debounce (see below); *after last key* subtracts the typing."
        ),
        (
            "- **KB before first**: compressed bytes on the wire (response headers + body) of every request that "
            "finished before the first result appeared: scripts, WASM, index files, fragments, documents. "
            "**KB total**: everything fetched after the focus until the results settled."
        ),
        (
            "- Both served by `bench/gzip_server.py`: gzip for html/css/js/json/svg/xml (as GitHub Pages), "
            "Pagefind's pre-compressed `.pf_*` and `wasm.*.pagefind` files as they are. Ours under `/survey/`, "
            "Pagefind's at `/`. Loopback: no network latency or bandwidth limit, so time is CPU (download, "
            "decompression, parsing, search, rendering) and bytes are reported apart."
        ),
        (
            "- Pagefind page (`search-bench/`): `import('/pagefind/pagefind.js')` on the first input, then "
            "`pagefind.debouncedSearch(q, {}, 80)` on every input (80 ms: our DEBOUNCE_MS; it also preloads "
            "the index chunks of each intermediate word), then `data()` of the top *n* results, rendered as a list "
            "(title + excerpt). Each comparison renders the same number of results on both sides: our `search/` "
            "page (unchanged; its first batch) against Pagefind with *n* = that batch, and our header search box "
            "(on the home page; 8 results in its panel) against Pagefind with *n* = 8."
        ),
        (
            "- Debounce: Pagefind's `debouncedSearch` is trailing-only (it searches 80 ms after the last key), "
            "so its *after last key* includes 80 ms of waiting. Ours is whatever `debounce()` in our "
            "`static/search.js` does (in the builds measured here: at once when the box has been idle for "
            "80 ms, else 80 ms after the keys stop), so it can show results while the reader is still typing. "
            "Pagefind cannot cancel a search it has started, so firing it on every key would cost it more."
        ),
        (
            "- **Longest task**: the longest main-thread task after the focus (Long Tasks API): while it runs the "
            "page cannot take a keystroke (Pagefind searches in a web worker; a search that runs Lunr on the "
            "main thread shows it here). "
            "JSON also has total blocking time and the largest keystroke input delay."
        ),
        "",
    ]
    for r in results:
        title = f"## {r['size']}" + (f" ({r['papers']:,} papers)" if r.get("papers") else "")
        lines += [title, ""]
        if r.get("measured_at"):
            built = r.get("build_ours", {})
            lines += [
                (
                    f"Measured {r['measured_at']} (load average {r.get('load_average', '?')}) with "
                    f"`{r.get('command', '?')}`; our site built from sources "
                    f"`{built.get('sources', '?')}` (a digest of static/, templates/, surveysite/, build.py)."
                ),
                "",
            ]
        for side, label in (("build_ours", "our site"), ("build_pagefind", "Hugo + Pagefind")):
            b = r.get(side)
            if b and not b["ok"]:
                lines += [f"**{label} could not be built:** {b['error'].strip()[-600:]}", ""]
        if r.get("error"):
            lines += [f"**Error:** {r['error']}", ""]
        for engine in ENGINES:
            if r.get(f"skipped_{engine}"):
                lines += [
                    f"**{engine} did not work (warm-up run failed), not measured:** {r[f'skipped_{engine}'][:600]}",
                    "",
                ]
        if not r.get("queries"):
            continue
        for mine, theirs, heading in PAIRS:
            if not any(mine in sides or theirs in sides for sides in r["queries"].values()):
                continue
            lines += [
                f"### {heading.format(batch=r.get('batch', DEFAULT_BATCH))}",
                "",
                *pair_table(r, mine, theirs),
                "",
            ]
        problems = []
        for q, sides in r["queries"].items():
            for e, s in sides.items():
                if s.get("error"):
                    problems.append(f"{q}, {e}: {s['error']}")
                elif s.get("ok_runs", 0) < s.get("runs", 0):
                    problems.append(
                        f"{q}, {e}: {s['runs'] - s['ok_runs']} of {s['runs']} runs failed"
                    )
                for err in s.get("errors", []):
                    problems.append(f"{q}, {e}: {err[:200]}")
        if problems:
            lines += ["Problems: " + " | ".join(problems[:8]), ""]
        first_query = next(iter(r["queries"]))
        for engine in ENGINES:
            groups = r["queries"][first_query].get(engine, {}).get("groups")
            if groups:
                parts = [
                    f"`{g}` {v['files']}× {kb(v['bytes'])} KB"
                    + (f" ({kb(v['bytes_first'])} before first)" if v["bytes_first"] else "")
                    for g, v in list(groups.items())[:8]
                ]
                lines += [
                    f"Where the bytes go, {engine}, “{first_query}” (median run): "
                    + "; ".join(parts)
                    + ".",
                    "",
                ]
        if r["size"] == "50000":
            lines += [target_verdict(r), ""]
    return "\n".join(lines) + "\n"


def pair_table(r: dict, mine: str, theirs: str) -> list[str]:
    """The Markdown table of one comparison: a row per query."""
    lines = [
        (
            "| query | typing ms | first results ms: ours | Pagefind | ratio | whole query ms: ours | Pagefind "
            "| ratio | after last key ms: ours / Pagefind | KB before first: ours | Pagefind | ratio "
            "| KB total: ours | Pagefind | settled ms: ours / Pagefind | longest task ms: ours / Pagefind |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for query, sides in r["queries"].items():
        o, p = sides.get(mine, {}), sides.get(theirs, {})
        typing = o.get("typing_ms") if o.get("typing_ms") is not None else p.get("typing_ms")
        lines.append(
            f"| {query} | {ms(typing)} "
            f"| {ms(o.get('first_ms'))} | {ms(p.get('first_ms'))} | **{ratio(o.get('first_ms'), p.get('first_ms'))}** "
            f"| {ms(o.get('full_ms'))} | {ms(p.get('full_ms'))} | **{ratio(o.get('full_ms'), p.get('full_ms'))}** "
            f"| {ms(o.get('full_after_last_key_ms'))} / {ms(p.get('full_after_last_key_ms'))} "
            f"| {kb(o.get('bytes_first'))} | {kb(p.get('bytes_first'))} "
            f"| **{ratio(o.get('bytes_first'), p.get('bytes_first'))}** "
            f"| {kb(o.get('bytes_total'))} | {kb(p.get('bytes_total'))} "
            f"| {ms(o.get('settled_ms'))} / {ms(p.get('settled_ms'))} "
            f"| {ms(o.get('long_task_ms'))} / {ms(p.get('long_task_ms'))} |"
        )
    return lines


def target_verdict(r: dict) -> str:
    """Our slowest median time to first results at 50,000 papers against the 1 s target."""
    parts = []
    for engine, label in ((OURS, "search page"), (OURS_PANEL, "header panel")):
        measured = [
            (q, s[engine])
            for q, s in r["queries"].items()
            if s.get(engine, {}).get("first_ms") is not None
        ]
        if not measured:
            continue
        q, worst = max(measured, key=lambda qs: qs[1]["first_ms"])
        verdict = "within" if worst["first_ms"] <= 1000 else "NOT within"
        parts.append(
            f"{label}: slowest median {ms(worst['first_ms'])} ms from the focus (“{q}”, typing included), "
            f"{verdict} 1 s; its whole-query results came {ms(worst['full_after_last_key_ms'])} ms after the last key"
        )
    if not parts:
        return "**50,000 papers, the 1 s target:** not measured (see above)."
    return "**50,000 papers, the 1 s target:** " + "; ".join(parts) + "."


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="real,1000,10000,50000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--queries", default=",".join(QUERIES))
    parser.add_argument(
        "--engines",
        default=",".join(ENGINES),
        help=f"which pages to measure, of {', '.join(ENGINES)}",
    )
    parser.add_argument("--delay", type=int, default=60, help="ms between keystrokes")
    parser.add_argument("--settle", type=int, default=1000, help="quiet ms that count as settled")
    parser.add_argument("--timeout", type=float, default=60, help="seconds allowed per run")
    parser.add_argument(
        "--build-timeout", type=float, default=600, help="seconds allowed per build"
    )
    parser.add_argument(
        "--rebuild",
        choices=["auto", "always", "never"],
        default="auto",
        help="our site: rebuild when sources changed (auto), every time, or never if present",
    )
    parser.add_argument(
        "--keep-runs", action="store_true", help="keep every run (with its files) in the JSON"
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the other sizes already in the JSON (each size notes when and how it was measured)",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="measure nothing: rewrite the Markdown report from the JSON",
    )
    parser.add_argument("--out", type=Path, default=BENCH / "SEARCH.md")
    parser.add_argument("--json", type=Path, default=BENCH / "search_results.json")
    args = parser.parse_args()
    args.queries = [q for q in args.queries.split(",") if q]
    args.engines = [e for e in args.engines.split(",") if e]
    unknown = set(args.engines) - set(ENGINES)
    if unknown:
        parser.error(f"unknown engines: {', '.join(sorted(unknown))}")
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    sizes = [s for s in args.sizes.split(",") if s]
    if args.report_only:
        saved = json.loads(args.json.read_text(encoding="utf-8"))
        args.out.write_text(report(saved["results"], saved["meta"]), encoding="utf-8")
        log(f"wrote {args.out}")
        return

    from playwright.sync_api import sync_playwright

    results: list[dict] = []
    if args.merge and args.json.exists():  # keep the other sizes of an earlier run
        try:
            results = json.loads(args.json.read_text(encoding="utf-8"))["results"]
        except (ValueError, KeyError):
            results = []
    command = "python bench/search_browser.py " + " ".join(sys.argv[1:])
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            chromium = f"Chromium {browser.version}"
            for size in sizes:
                try:
                    measured = bench_size(browser, size, args)
                    measured["measured_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
                    measured["command"] = command.strip()
                    measured["load_average"] = machine()["load_average"]
                    results = [r for r in results if r.get("size") != size] + [measured]
                except Exception as error:  # noqa: BLE001 - one size must not sink the others
                    traceback.print_exc()
                    results = [r for r in results if r.get("size") != size]
                    results.append({"size": size, "error": f"{type(error).__name__}: {error}"})
                write(results, args, command, chromium)
        finally:
            browser.close()
    log(f"wrote {args.out} and {args.json}")


def write(results: list[dict], args, command: str, chromium: str) -> None:
    """Write the report and the JSON (after every size, so a late failure loses nothing)."""
    meta = {
        "machine": machine(),
        "chromium": chromium,
        "playwright": playwright_version(),
        "command": command.strip(),
        "runs": args.runs,
        "delay": args.delay,
        "settle": args.settle,
        "queries": args.queries,
    }
    args.out.write_text(report(results, meta), encoding="utf-8")
    slim = json.loads(json.dumps(results))
    args.json.write_text(
        json.dumps({"meta": meta, "results": slim}, indent=1) + "\n", encoding="utf-8"
    )


def playwright_version() -> str:
    try:
        from importlib.metadata import version

        return version("playwright")
    except Exception:  # noqa: BLE001
        return "?"


if __name__ == "__main__":
    main()
