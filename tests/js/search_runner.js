// Run queries through static/search.js's own engine in Node, on the sharded search files.
//
// Usage: node search_runner.js LUNR_JS_PATH SEARCH_JS_PATH < request.json > response.json
// request:  {"dir": "<folder holding search/manifest.json>", "queries": ["text", ...],
//            "options": {"typing": false, "strict": true},   (both optional)
//            "snippets": [{"text": "...", "terms": ["term", ...]}, ...],
//            "docs": ["ref", ...]}                                        (optional)
// response: {"results": [{"refs": [...], "scores": [...], "terms": [[...], ...],
//                         "files": ["t-….json", ...], "onlyExcluded": false, "ms": 1.2}
//                        | {"error": "QueryParseError" | "<stack>"}, ...],
//            "loaded": ["t-….json", ...],          every file the engine fetched, in order
//            "snippets": [[{"text": "...", "mark": false}, ...], ...],
//            "docs": [{"doc": {title, url, topics, year} | null, "snippet": "..." | null}, ...]}
// "files" are the shard files a query needs, as search.js chooses them.
"use strict";

const fs = require("fs");
const path = require("path");

const lunr = require(path.resolve(process.argv[2]));
const site = require(path.resolve(process.argv[3]));
const request = JSON.parse(fs.readFileSync(0, "utf8"));

const loaded = [];
function loadJson(name) {
  loaded.push(name);
  const file = path.join(request.dir, "search", name);
  return fs.promises.readFile(file, "utf8").then(JSON.parse);
}

async function run(engine, query) {
  const started = process.hrtime.bigint();
  try {
    const found = await engine.search(query, request.options || {});
    return {
      refs: found.hits.map((hit) => hit.ref),
      scores: found.hits.map((hit) => hit.score),
      terms: found.hits.map((hit) => hit.terms.slice().sort()),
      files: found.files,
      onlyExcluded: found.onlyExcluded,
      ms: Number(process.hrtime.bigint() - started) / 1e6,
    };
  } catch (error) {
    if (error instanceof lunr.QueryParseError) {
      return { error: "QueryParseError" };
    }
    return { error: String(error && error.stack) };
  }
}

async function main() {
  const results = [];
  let docs = [];
  if (request.dir) {
    const manifest = JSON.parse(fs.readFileSync(path.join(request.dir, "search", "manifest.json"), "utf8"));
    const engine = new site.Engine(lunr, manifest, loadJson);
    for (const query of request.queries || []) {
      results.push(await run(engine, query));
    }
    if (request.docs) {
      const [found, texts] = await Promise.all([engine.docs(request.docs), engine.snippets(request.docs)]);
      docs = found.map((doc, i) => ({ doc, snippet: texts[i] }));
    }
  }
  const snippets = (request.snippets || []).map((s) => site.snippetParts(lunr, s.text, s.terms));
  process.stdout.write(JSON.stringify({ results, loaded, snippets, docs }));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack));
  process.exit(1);
});
