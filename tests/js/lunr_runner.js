// Load Python-built indexes in the vendored lunr.js and run queries, for the parity tests.
//
// Usage: node lunr_runner.js LUNR_JS_PATH < request.json > response.json
// request:  {"index": <serialized index>, "queries": ["word", ...], "words": ["word", ...],
//            "indexes": [<serialized index>, ...]}
// response: {"results": [[[ref, score], ...] | {"error": "QueryParseError"}, ...],
//            "stems": ["stem", ...], "trims": ["trimmed", ...],
//            "loaded": [{"version": "2.3.9", "pipeline": [...], "fields": [...], "terms": n}, ...]}
"use strict";

const fs = require("fs");
const path = require("path");

const lunr = require(path.resolve(process.argv[2]));
const request = JSON.parse(fs.readFileSync(0, "utf8"));

function search(index, query) {
  try {
    return index.search(query).map((result) => [result.ref, result.score]);
  } catch (error) {
    if (error instanceof lunr.QueryParseError) {
      return { error: "QueryParseError" };
    }
    return { error: String(error && error.name) };
  }
}

function run(fn, word) {
  return fn(new lunr.Token(word)).toString();
}

function describe(serialized) {
  const index = lunr.Index.load(serialized);
  return {
    version: lunr.version,
    pipeline: index.pipeline._stack.map((fn) => fn.label),
    fields: index.fields,
    terms: Object.keys(index.invertedIndex).length,
  };
}

const index = request.index ? lunr.Index.load(request.index) : null;
const response = {
  version: lunr.version,
  pipeline: index ? index.pipeline._stack.map((fn) => fn.label) : [],
  results: (request.queries || []).map((query) => search(index, query)),
  stems: (request.words || []).map((word) => run(lunr.stemmer, word)),
  trims: (request.words || []).map((word) => run(lunr.trimmer, word)),
  loaded: (request.indexes || []).map(describe),
};
process.stdout.write(JSON.stringify(response));
