// Run queries through static/search.js (the page's own query code) in Node, for the tests.
//
// Usage: node search_runner.js LUNR_JS_PATH SEARCH_JS_PATH < request.json > response.json
// request:  {"index": <serialized index>, "queries": ["text", ...],
//            "snippets": [{"text": "...", "terms": ["term", ...]}, ...]}
// response: {"results": [{"refs": [...], "terms": [[...], ...], "ms": 1.2} | {"error": "..."}, ...],
//            "snippets": [[{"text": "...", "mark": false}, ...], ...]}
"use strict";

const fs = require("fs");
const path = require("path");

const lunr = require(path.resolve(process.argv[2]));
const site = require(path.resolve(process.argv[3]));
const request = JSON.parse(fs.readFileSync(0, "utf8"));
const index = lunr.Index.load(request.index);

function run(query) {
  try {
    const started = process.hrtime.bigint();
    const results = site.search(lunr, index, query);
    return {
      refs: results.map((result) => result.ref),
      terms: results.map((result) => site.matchedTerms(result).sort()),
      ms: Number(process.hrtime.bigint() - started) / 1e6,
    };
  } catch (error) {
    return { error: String(error && error.stack) };
  }
}

const response = {
  results: (request.queries || []).map(run),
  snippets: (request.snippets || []).map((s) => site.snippetParts(lunr, s.text, s.terms)),
};
process.stdout.write(JSON.stringify(response));
