/*
 * surveysite client-side search: lunr.js 2.3.9 over sharded indexes built in Python.
 *
 * No framework, no inline script, no innerHTML: it works under a strict
 * Content-Security-Policy (script-src 'self'). Results are built with DOM calls and
 * textContent; matched words are wrapped in <mark> elements created with createElement.
 *
 * PAGE CONTRACT (the templates follow it exactly)
 *
 *   Every page:
 *     <html data-root="../../">       relative path from the page to the site root
 *                                     ("" or "./" on the home page)
 *     <script src="{root}static/search.js" defer></script>
 *     <form class="site-search" role="search" action="{root}search/" method="get">
 *       <label for="site-search-input" class="visually-hidden">Search</label>
 *       <input type="search" id="site-search-input" name="q" autocomplete="off"
 *              role="combobox" aria-autocomplete="list"
 *              aria-controls="site-search-panel" aria-expanded="false">
 *     </form>
 *     <div id="site-search-panel" class="search-panel" hidden></div>
 *
 *     (role="combobox" and aria-autocomplete="list" are set by this script if the
 *     template leaves them out: aria-expanded is only allowed on a combobox.)
 *
 *   The search page, search/index.html, also has:
 *     <form ...><input type="search" id="search-page-input" name="q"></form>
 *     <p id="search-status" aria-live="polite"></p>
 *     <ol id="search-results" class="search-results"></ol>
 *
 * FILES (written by surveysite/search_files.py, which documents the format), fetched
 * relative to data-root, and only once the reader starts to search (first focus or input in
 * a search box, or ?q= on the search page):
 *   static/vendor/lunr/lunr.min.js   once, added as a <script src> element;
 *   search/manifest.json             once, revalidated ("no-cache"): the tiers, their fields,
 *                                    shard key length and {shard key: file}, and the files
 *                                    of the result documents;
 *   search/t-<hash>.json             title-tier shards (title, topics, authors), keyed by
 *                                    the first character of a term (more in big surveys);
 *   search/a-<hash>.json             abstract-tier shards, keyed by the first two characters
 *                                    (more in big surveys: a term's shard is the one with
 *                                    the longest key that begins it);
 *   search/d-<hash>.json             what results show at once, {docs: [{title, url, topics,
 *                                    year}], snippets: "s-<hash>.json"}, for `chunk`
 *                                    consecutive refs (refs: base-36 positions);
 *   search/s-<hash>.json             the snippet sources (start of each abstract) of a docs
 *                                    chunk, fetched once its results are shown.
 * Every shard is a complete lunr index (weights as in the full index); files are named by
 * their content, so they never change and never mix two builds. Files that the next results
 * need are fetched with priority "high", the abstract tier and snippets with "low".
 *
 * HOW A QUERY RUNS. The text is parsed with lunr.QueryParser into clauses (no index needed).
 * Each clause's term, after the search pipeline unless it has a wildcard, names the shard
 * that holds it in each tier. The title tier runs first: its shards are fetched, each
 * clause runs on its own (presence OPTIONAL, fields limited to the tier's), the documents of
 * the top results only are fetched, and the results are shown (a new query's best ones as
 * soon as their documents are in: in the panel while it shows no results, on the search
 * page once a screenful is in); their snippets follow once the reader pauses. Then (at once
 * if nothing could be shown yet, else once the reader pauses) the abstract tier's shards
 * are fetched in the background and the results are merged and shown again, in place,
 * without moving focus. A newer keystroke makes older work stop where it is, with one
 * exception that brings the first results while the reader is still typing: while a box
 * shows no results, what an older query found is shown (the status names the query they
 * answer) until the newer query's results replace them (see worthShowing). Only the newest
 * query searches the next tier and fetches snippets; the documents of a query the reader
 * has typed past are fetched with low priority.
 * Shards are loaded and queries scored in a Web Worker running this same file (started
 * once lunr.js and the manifest are loaded), so big shards never block typing; where a
 * worker cannot run, the page does the same work itself. The page keeps lunr.js for
 * marking matched words and fetches the result documents.
 *
 * A document's score is the sum over clauses and tiers of boost x (lunr's score for that
 * clause alone), divided by the length of lunr's query vector (one entry per term of the
 * clauses that matched anything, holding the sum of their boosts); then a +required clause
 * keeps only the documents it matched (in any tier) and a -prohibited clause removes the
 * documents it matched. For queries of plain words over all fields (and presence), this is
 * exactly lunr's score in one full index: lunr scores fields independently and sums them.
 * It differs (the ranking too, slightly) where lunr normalises over expanded terms: a
 * wildcard or fuzzy clause that expands to several terms is normalised on its own and per
 * shard here, over the whole query in lunr; and where clauses are restricted to different
 * fields (lunr keeps one query vector per field, this one length for all).
 *
 * LIMITS of sharding: a wildcard clause loads every shard that may hold a term starting
 * with the text before its first * (so "s*" loads all abstract shards of "s"); a clause that
 * starts with a wildcard ("*ing") finds nothing; a fuzzy clause (graph~1) is looked up only
 * in the shards of its own first characters, so fuzzy matches that change the first
 * character (title tier) or the first two (abstract tier; more in big surveys) are not
 * found.
 *
 * Header box: as the reader types, the panel shows the top results as an ARIA 1.2
 * combobox popup: a status line (p.search-panel-status, role=status), a
 * div.search-panel-results[role=listbox] of a.search-result[role=option] links, and a
 * last option a.search-panel-all "All N results" that opens the search page. Focus stays
 * in the input; ArrowDown/ArrowUp move the active option (aria-activedescendant,
 * aria-selected="true"), Enter opens the active option or else submits the form to the
 * search page, Escape closes the panel, and focus or a click outside closes it.
 *
 * Search page: reads ?q= on load and runs it; as the reader types the URL is updated
 * with history.replaceState so a search can be shared and reloaded. Results are shown
 * PAGE_BATCH at a time; more are added (and their documents fetched) as the reader
 * scrolls to the last one, up to PAGE_RESULTS. The results shown stay until those of the
 * next query come. Each result is (the snippet is added when its source comes)
 *   <li class="search-result">
 *     <a class="search-result-title" href="{root}{url}">Title</a>
 *     <span class="search-result-year">2021</span>
 *     <p class="search-result-topics">Topic · Topic</p>
 *     <p class="search-result-snippet">… abstract with <mark>matched</mark> words …</p>
 *   </li>
 * In the panel the same parts are spans inside the a.search-result option (the whole
 * option is the link; an option may not contain a link).
 *
 * Queries: Lunr syntax works (title:spiking, +required -excluded, spik*, graph~1, ^2).
 * The last word also matches as a prefix while the reader types (it never removes the
 * exact match). Input Lunr cannot parse (foo:, ~, +-, ^, unbalanced quotes, emoji) falls
 * back to a plain query over the words; punctuation around words is trimmed
 * (attention?, (attention)). A query of only -excluded words asks for a word to search
 * for. A failed download shows a friendly message.
 *
 * CSS hooks expected from the stylesheet: .search-panel (an absolutely positioned
 * overlay), .search-result[aria-selected="true"], mark, .visually-hidden.
 *
 * In Node (tests), the query engine and the snippet functions are exported via
 * module.exports; the engine takes a function that loads a search file by name. Loaded as
 * a worker, this file answers query stages (see serveQueries).
 */
(function () {
  "use strict";

  var LUNR_PATH = "static/vendor/lunr/lunr.min.js";
  var SEARCH_DIR = "search/";
  var MANIFEST_PATH = SEARCH_DIR + "manifest.json";
  var SEARCH_PAGE_PATH = "search/";

  var MAX_QUERY_CHARS = 200;
  var MAX_CLAUSES = 12;
  var MAX_EDIT_DISTANCE = 2;
  var MAX_FUZZY_CHARS = 24;
  var MIN_PREFIX_CHARS = 2;
  var PREFIX_BOOST = 0.5;
  var MIN_STEM_CHARS = 4;
  var MAX_COMPLETED_STEMS = 3;
  var SUFFIXES = [
    "ation", "ition", "ization", "isation", "ional", "ing", "ion", "ive", "ivity", "ity",
    "ement", "ment", "ness", "ance", "ence", "able", "ible", "ous", "ical", "ally", "ies",
    "ied", "er", "ed", "es", "al", "ly", "ic", "ize", "ise", "ist", "ism", "ful", "ant", "ent",
  ];
  var PANEL_RESULTS = 8;
  var PAGE_BATCH = 20;
  var SCREEN_RESULTS = 8; // about a screenful of results on the search page
  var PAGE_RESULTS = 200;
  var SNIPPET_CHARS = 220;
  var SNIPPET_LEAD_CHARS = 60;
  var DEBOUNCE_MS = 80;

  var hasOwn = Object.prototype.hasOwnProperty;

  // ---------------------------------------------------------------- query (pure)

  /** Strip ASCII non-word characters from both ends, exactly like lunr.trimmer. */
  function trimWord(word) {
    return word.replace(/^\W+/, "").replace(/\W+$/, "");
  }

  var stems = new Map();

  /** The index term lunr.js looks up for a (lower-case, trimmed) word; memoised. */
  function stemOf(lunr, word) {
    var stem = stems.get(word);
    if (stem === undefined) {
      stem = lunr.stemmer(new lunr.Token(word)).toString();
      stems.set(word, stem);
    }
    return stem;
  }

  /** The words of a query that Lunr could not parse, without Lunr syntax. */
  function plainWords(text) {
    return text
      .toLowerCase()
      .split(/[\s\-:~^+*]+/)
      .map(trimWord)
      .filter(function (word) { return word.length > 0; })
      .slice(0, MAX_CLAUSES);
  }

  /** Keep a parsed query cheap: few distinct clauses, small edit distances on short words. */
  function tame(query) {
    var seen = new Set();
    query.clauses = query.clauses.filter(function (clause) {
      var key = JSON.stringify(clause);
      return !seen.has(key) && seen.add(key);
    }).slice(0, MAX_CLAUSES);
    query.clauses.forEach(function (clause) {
      if ("editDistance" in clause && clause.term.length > MAX_FUZZY_CHARS) {
        delete clause.editDistance; // lunr's fuzzy expansion explodes on long words
      } else if (clause.editDistance > MAX_EDIT_DISTANCE) {
        clause.editDistance = MAX_EDIT_DISTANCE;
      }
    });
  }

  /**
   * Let the last word also match as a prefix, next to (never instead of) its exact match.
   * Returns the word and fields whose completed stems each tier adds (completedStems).
   */
  function addPrefix(lunr, query) {
    var last = query.clauses[query.clauses.length - 1];
    if (!last || !last.usePipeline || last.editDistance || last.boost !== 1 ||
        last.presence !== lunr.Query.presence.OPTIONAL) {
      return null;
    }
    var word = trimWord(last.term);
    if (word.length < MIN_PREFIX_CHARS) {
      return null;
    }
    query.clause({
      term: word, wildcard: lunr.Query.wildcard.TRAILING, fields: last.fields,
      usePipeline: false, boost: PREFIX_BOOST,
    });
    return { word: word, fields: last.fields, exact: query.clauses.length - 2 };
  }

  /**
   * The clauses of what the reader typed, or null for a query without words. Input Lunr
   * cannot parse becomes a plain query over its words. `typing` (unless the text ends with a
   * space) adds the prefix match for the last word. `strict` (the parity tests) runs Lunr's
   * parser alone, like lunr.Index.search: no taming, no fallback (its errors are thrown).
   */
  function parseQuery(lunr, fields, raw, options) {
    var text = String(raw).slice(0, MAX_QUERY_CHARS);
    if (!text.trim()) {
      return null;
    }
    var query = new lunr.Query(fields);
    try {
      new lunr.QueryParser(text, query).parse();
      if (!query.clauses.length) {
        throw new lunr.QueryParseError("no terms", 0, text.length);
      }
      if (!options.strict) {
        tame(query);
      }
    } catch (error) {
      if (options.strict) {
        throw error;
      }
      query = new lunr.Query(fields);
      plainWords(text).forEach(function (word) { query.term(word, { usePipeline: true }); });
      if (!query.clauses.length) {
        return null; // a query without clauses would match every paper
      }
    }
    var typing = options.typing !== false && !/\s$/.test(text);
    var complete = typing ? addPrefix(lunr, query) : null;
    return { clauses: query.clauses, complete: complete };
  }

  /**
   * The key of the shard of a tier that holds a term (if any does): the longest key that
   * begins it, counted in code points as Python counts them.
   */
  function shardOf(tier, term) {
    if (tier.longestKey === undefined) {
      tier.longestKey = Object.keys(tier.shards).reduce(function (longest, key) {
        return Math.max(longest, Array.from(key).length);
      }, 0);
    }
    var chars = Array.from(term);
    for (var n = Math.min(chars.length, tier.longestKey); n > 0; n--) {
      var key = chars.slice(0, n).join("");
      if (hasOwn.call(tier.shards, key)) {
        return key;
      }
    }
    return null;
  }

  function inTier(tier, fields) {
    return fields.filter(function (field) { return tier.fields.indexOf(field) !== -1; });
  }

  /**
   * The keys of a tier's shards that may hold a clause's matches, for the clause's terms
   * (after the search pipeline). A plain term is in one shard. A term that expands (a
   * wildcard or an edit distance) is looked for in the shards that may hold terms starting
   * with its text up to the first *: the shard of that text and every shard whose key
   * starts with it; none if the term starts with a wildcard.
   */
  function shardKeys(tier, clause, terms) {
    var keys = new Set();
    if (!inTier(tier, clause.fields).length) {
      return [];
    }
    terms.forEach(function (term) {
      var star = term.indexOf("*");
      var anchor = star === -1 ? term : term.slice(0, star);
      keys.add(shardOf(tier, anchor));
      if (anchor && (star !== -1 || clause.editDistance)) {
        Object.keys(tier.shards).forEach(function (key) {
          if (key.lastIndexOf(anchor, 0) === 0) {
            keys.add(key);
          }
        });
      }
    });
    keys.delete(null);
    return Array.from(keys);
  }

  /**
   * Indexed stems of the words a half-typed word may become, found by finishing a
   * suffix it has started: "attenti" -> "attention" -> "attent", "optimiza" ->
   * "optimization" -> "optim", "spiki" -> "spiking" -> "spike". A trailing wildcard
   * cannot find these, as the typed word already runs past the stem. None when the
   * word's own stem is indexed. `isIndexed(term)` says whether a tier holds a term.
   */
  function completedStems(lunr, word, isIndexed) {
    var found = new Set();
    if (isIndexed(stemOf(lunr, word))) {
      return [];
    }
    SUFFIXES.forEach(function (suffix) {
      for (var typed = 1; typed < suffix.length; typed++) {
        if (word.slice(-typed) === suffix.slice(0, typed)) {
          var stem = stemOf(lunr, word + suffix.slice(typed));
          if (stem.length >= MIN_STEM_CHARS && isIndexed(stem)) {
            found.add(stem);
          }
        }
      }
    });
    return Array.from(found).slice(0, MAX_COMPLETED_STEMS);
  }

  /** The index terms a lunr result matched (in any field). */
  function matchedTerms(result) {
    var metadata = (result.matchData && result.matchData.metadata) || {};
    return Object.keys(metadata);
  }

  /**
   * Merge the matches of each clause over the tiers searched so far into ranked hits
   * [{ref, score, terms}] (see "HOW A QUERY RUNS"). `found` holds one {clause id:
   * {clause, norm, matches: Map(ref -> {score, terms})}} per tier; clauses with one `norm`
   * key (one term) count as one entry of lunr's query vector, with the sum of their boosts.
   * A query of only prohibited clauses finds nothing and says so (`onlyExcluded`).
   */
  function combine(lunr, plan, found) {
    var presence = lunr.Query.presence;
    var merged = new Map();
    found.forEach(function (tier) {
      Object.keys(tier).forEach(function (id) {
        var entry = merged.get(id) || { clause: tier[id].clause, norm: tier[id].norm, matches: new Map() };
        merged.set(id, entry);
        tier[id].matches.forEach(function (match, ref) {
          var into = entry.matches.get(ref) || { score: 0, terms: [] };
          into.score += match.score;
          into.terms = into.terms.concat(match.terms);
          entry.matches.set(ref, into);
        });
      });
    });
    var entries = Array.from(merged.values());
    var positive = entries.filter(function (e) { return e.clause.presence !== presence.PROHIBITED; });
    var onlyExcluded = plan.clauses.every(function (e) { return e.clause.presence === presence.PROHIBITED; });
    var boosts = new Map(); // lunr's query vector: one entry per term, the sum of its boosts
    positive.forEach(function (e) {
      if (e.matches.size) {
        boosts.set(e.norm, (boosts.get(e.norm) || 0) + e.clause.boost);
      }
    });
    var norm = Math.sqrt(Array.from(boosts.values()).reduce(function (sum, b) { return sum + b * b; }, 0));
    var hits = new Map();
    positive.forEach(function (entry) {
      entry.matches.forEach(function (match, ref) {
        var hit = hits.get(ref) || { ref: ref, score: 0, terms: new Set() };
        hit.score += entry.clause.boost * match.score / norm;
        match.terms.forEach(function (term) { hit.terms.add(term); });
        hits.set(ref, hit);
      });
    });
    entries.forEach(function (entry) {
      if (entry.clause.presence === presence.REQUIRED) {
        hits.forEach(function (hit, ref) {
          if (!entry.matches.has(ref)) {
            hits.delete(ref);
          }
        });
      } else if (entry.clause.presence === presence.PROHIBITED) {
        entry.matches.forEach(function (match, ref) { hits.delete(ref); });
      }
    });
    var ranked = Array.from(hits.values()).map(function (hit) {
      return { ref: hit.ref, score: hit.score, terms: Array.from(hit.terms) };
    });
    ranked.sort(function (a, b) {
      return b.score - a.score || parseInt(a.ref, 36) - parseInt(b.ref, 36);
    });
    return { hits: onlyExcluded ? [] : ranked, onlyExcluded: onlyExcluded };
  }

  // ---------------------------------------------------------------- the engine

  /**
   * The sharded index of one build. `loadJson(name, priority)` returns a promise of the
   * parsed search file `name` (relative to the search folder); `priority` is "low" for the
   * files that are not needed to show results (snippets), else "high". Files are loaded once;
   * a failed load is forgotten, so a later query tries again.
   */
  function Engine(lunr, manifest, loadJson) {
    this.lunr = lunr;
    this.manifest = manifest;
    this.tiers = manifest.tiers;
    this.fields = [].concat.apply([], manifest.tiers.map(function (tier) { return tier.fields; }));
    this.pipeline = lunr.Pipeline.load(manifest.pipeline);
    this.loadJson = loadJson;
    this.loaded = new Map();
  }

  Engine.prototype.file = function (name, convert, priority) {
    var loaded = this.loaded;
    if (!loaded.has(name)) {
      loaded.set(name, this.loadJson(name, priority || "high").then(convert).catch(function (error) {
        loaded.delete(name);
        throw error;
      }));
    }
    return loaded.get(name);
  };

  /** The clauses of a query and the shards each needs per tier; null for no words. */
  Engine.prototype.plan = function (text, options) {
    var self = this;
    var parsed = parseQuery(this.lunr, this.fields, text, options || {});
    if (!parsed) {
      return null;
    }
    return {
      complete: parsed.complete,
      clauses: parsed.clauses.map(function (clause, i) {
        var terms = clause.usePipeline
          ? self.pipeline.runString(clause.term, { fields: clause.fields })
          : [clause.term];
        var expands = clause.editDistance > 0 || terms.some(function (t) { return t.indexOf("*") !== -1; });
        return {
          id: String(i),
          clause: clause,
          norm: expands ? "clause " + i : "term " + terms.join(" "),
          keys: self.tiers.map(function (tier) { return shardKeys(tier, clause, terms); }),
        };
      }),
    };
  };

  /** The shard files a plan needs in tier t. */
  Engine.prototype.shardFiles = function (plan, t) {
    var shards = this.tiers[t].shards;
    var names = new Set();
    plan.clauses.forEach(function (entry) {
      entry.keys[t].forEach(function (key) { names.add(shards[key]); });
    });
    return Array.from(names).sort();
  };

  /** Load the shards a plan needs in tier t: a promise of Map(key -> lunr.Index). */
  Engine.prototype.loadTier = function (plan, t) {
    var self = this;
    var shards = this.tiers[t].shards;
    var keys = new Set();
    plan.clauses.forEach(function (entry) {
      entry.keys[t].forEach(function (key) { keys.add(key); });
    });
    var load = function (json) { return self.lunr.Index.load(json); };
    var priority = t === 0 ? "high" : "low"; // the first results need only the first tier
    return Promise.all(Array.from(keys).map(function (key) {
      return self.file(shards[key], load, priority).then(function (index) { return [key, index]; });
    })).then(function (pairs) { return new Map(pairs); });
  };

  /**
   * Run every clause of a plan on tier t's loaded shards: {clause id: {clause, norm,
   * matches}}. Each clause runs once per distinct shard index it needs.
   */
  Engine.prototype.runTier = function (plan, t, shards) {
    var self = this;
    var tier = this.tiers[t];
    var found = {};
    var results = {}; // clause id -> [[index, lunr results], ...]
    plan.clauses.concat(this.completions(plan, t, shards)).forEach(function (entry) {
      var clause = Object.assign({}, entry.clause, {
        fields: inTier(tier, entry.clause.fields),
        presence: self.lunr.Query.presence.OPTIONAL,
      });
      var indexes = new Set(entry.keys[t].map(function (key) { return shards.get(key); }));
      var same = self.sameAsExact(plan, entry, results);
      results[entry.id] = Array.from(indexes).map(function (index) {
        return [index, same && same.has(index) && expandsTo(self.lunr, index, clause, same.get(index).term)
          ? same.get(index).results : runClause(index, clause)];
      });
      var matches = new Map();
      results[entry.id].forEach(function (pair) {
        pair[1].forEach(function (result) {
          var match = matches.get(result.ref) || { score: 0, terms: [] };
          match.score += result.score;
          match.terms = match.terms.concat(matchedTerms(result));
          matches.set(result.ref, match);
        });
      });
      found[entry.id] = { clause: entry.clause, norm: entry.norm, matches: matches };
    });
    return found;
  };

  /**
   * For the prefix clause of the typed word: the exact clause's results and terms per shard
   * index. Where the prefix expands to nothing but the exact term, lunr scores it exactly as
   * the exact clause (one term, its boost cancels out), so those results are reused rather
   * than computed again: for a common word that halves the work.
   */
  Engine.prototype.sameAsExact = function (plan, entry, results) {
    var complete = plan.complete;
    var exact = complete && plan.clauses[complete.exact];
    if (!exact || entry !== plan.clauses[complete.exact + 1] || !results[exact.id]) {
      return null;
    }
    var terms = exact.clause.usePipeline
      ? this.pipeline.runString(exact.clause.term, { fields: exact.clause.fields })
      : [exact.clause.term];
    if (terms.length !== 1) {
      return null;
    }
    return new Map(results[exact.id].map(function (pair) {
      return [pair[0], { results: pair[1], term: terms[0] }];
    }));
  };

  /** Whether a clause expands, in an index, to this one term and nothing else. */
  function expandsTo(lunr, index, clause, term) {
    if (!index) {
      return false;
    }
    var expanded = index.tokenSet.intersect(lunr.TokenSet.fromClause(clause)).toArray();
    return expanded.length === 1 && expanded[0] === term;
  }

  /** One clause alone on one shard; lunr mutates the clause, so it gets a copy. */
  function runClause(index, clause) {
    if (!index || !clause.fields.length) {
      return [];
    }
    try {
      return index.query(function (query) { query.clause(Object.assign({}, clause)); });
    } catch (error) {
      return [];
    }
  }

  /** Clauses for the completed stems of the typed word that tier t holds (see addPrefix). */
  Engine.prototype.completions = function (plan, t, shards) {
    var lunr = this.lunr;
    var tier = this.tiers[t];
    var complete = plan.complete;
    if (!complete || !inTier(tier, complete.fields).length) {
      return [];
    }
    var isIndexed = function (term) {
      var index = shards.get(shardOf(tier, term));
      return Boolean(index) && hasOwn.call(index.invertedIndex, term);
    };
    return completedStems(lunr, complete.word, isIndexed).map(function (stem) {
      var keys = this.tiers.map(function (other, i) { return i === t ? [shardOf(tier, stem)] : []; });
      var clause = {
        term: stem, fields: complete.fields, boost: PREFIX_BOOST, usePipeline: false,
        wildcard: lunr.Query.wildcard.NONE, presence: lunr.Query.presence.OPTIONAL,
      };
      return { id: "stem " + stem, clause: clause, norm: "term " + stem, keys: keys };
    }, this);
  };

  /**
   * What the results of some refs show at once, {title, url, topics, year} (null where a ref
   * has none), in order: one small file per chunk of refs, fetched with `priority` ("high"
   * unless given).
   */
  Engine.prototype.docs = function (refs, priority) {
    var size = this.manifest.docs.chunk;
    return Promise.all(refs.map(function (ref) {
      var position = parseInt(ref, 36);
      return this.chunk(position, priority).then(function (chunk) {
        return (chunk && chunk.docs[position % size]) || null;
      });
    }, this));
  };

  /**
   * The snippet sources (the start of the abstract; "" for none, null for no document) of
   * some refs, in order: the file each docs chunk names, fetched once its results are shown.
   */
  Engine.prototype.snippets = function (refs) {
    var self = this;
    var size = this.manifest.docs.chunk;
    return Promise.all(refs.map(function (ref) {
      var position = parseInt(ref, 36);
      return self.chunk(position, "low").then(function (chunk) {
        if (!chunk) {
          return null;
        }
        return self.file(chunk.snippets, same, "low").then(function (texts) {
          var text = texts[position % size];
          return typeof text === "string" ? text : null;
        });
      });
    }));
  };

  /** The docs chunk that holds a position (a promise of null if there is none). */
  Engine.prototype.chunk = function (position, priority) {
    var name = this.manifest.docs.files[Math.floor(position / this.manifest.docs.chunk)];
    return name ? this.file(name, same, priority) : Promise.resolve(null);
  };

  function same(value) {
    return value;
  }

  /**
   * Search tier t of a query {channel, id, text}: each search box is a channel, and a new id
   * in a channel forgets its old query. Resolves with {count, hits (the best PAGE_RESULTS),
   * onlyExcluded, final} for the tiers searched so far, where `final` says no tier is left;
   * or with null if `current()` turned false meanwhile (a newer query came). Tiers are
   * searched in order: 0, then 1.
   */
  Engine.prototype.stage = function (query, t, current) {
    var self = this;
    var states = this.states || (this.states = new Map());
    var state = states.get(query.channel);
    if (!state || state.id !== query.id) {
      state = { id: query.id, plan: this.plan(query.text), found: [] };
      states.set(query.channel, state);
    }
    var plan = state.plan;
    var last = t === this.tiers.length - 1;
    if (!plan || combine(this.lunr, plan, []).onlyExcluded) {
      return Promise.resolve(summary(plan ? combine(this.lunr, plan, []) : null, true));
    }
    return this.loadTier(plan, t).then(nextTask).then(function (shards) {
      if (!current() || states.get(query.channel) !== state) {
        return null;
      }
      state.found[t] = self.runTier(plan, t, shards);
      return summary(combine(self.lunr, plan, state.found.filter(Boolean)), last);
    });
  };

  /** What a stage reports: the number of hits and the best of them (a worker posts it). */
  function summary(found, final) {
    var hits = found ? found.hits : [];
    return {
      count: hits.length,
      hits: hits.slice(0, PAGE_RESULTS),
      onlyExcluded: Boolean(found && found.onlyExcluded),
      final: final,
    };
  }

  /** All tiers at once (the tests): a promise of {hits, onlyExcluded, files}. */
  Engine.prototype.search = function (text, options) {
    var self = this;
    var plan = this.plan(text, options);
    if (!plan) {
      return Promise.resolve({ hits: [], onlyExcluded: false, files: [] });
    }
    var tiers = this.tiers.map(function (tier, t) { return t; });
    return Promise.all(tiers.map(function (t) { return self.loadTier(plan, t); })).then(function (loaded) {
      var found = tiers.map(function (t) { return self.runTier(plan, t, loaded[t]); });
      var result = combine(self.lunr, plan, found);
      result.files = [].concat.apply([], tiers.map(function (t) { return self.shardFiles(plan, t); }));
      return result;
    });
  };

  /** Resolve with `value` after the event loop has run what is pending (keystrokes first). */
  function nextTask(value) {
    return new Promise(function (resolve) { setTimeout(function () { resolve(value); }, 0); });
  }

  // ---------------------------------------------------------------- snippets (pure)

  /**
   * Split text into parts [{text, mark}] where mark is true for words whose index term
   * is one of `terms`; the punctuation around a word is never marked.
   */
  function markParts(lunr, text, terms) {
    var wanted = new Set(terms);
    var parts = [];
    text.split(/([\s\-]+)/).forEach(function (piece, i) {
      var m = i % 2 === 0 ? /^(\W*)([\s\S]*?)(\W*)$/.exec(piece) : null;
      if (!m || !m[2] || !wanted.has(stemOf(lunr, m[2].toLowerCase()))) {
        parts.push({ text: piece, mark: false });
        return;
      }
      parts.push({ text: m[1], mark: false }, { text: m[2], mark: true }, { text: m[3], mark: false });
    });
    return joinParts(parts);
  }

  function joinParts(parts) {
    var joined = [];
    parts.forEach(function (part) {
      var last = joined[joined.length - 1];
      if (!part.text) {
        return;
      }
      if (last && !last.mark && !part.mark) {
        last.text += part.text;
      } else {
        joined.push({ text: part.text, mark: part.mark });
      }
    });
    return joined;
  }

  /** A window of about SNIPPET_CHARS of the text around its first marked word. */
  function snippetParts(lunr, text, terms) {
    var parts = markParts(lunr, text, terms);
    var first = parts.findIndex(function (part) { return part.mark; });
    var offset = 0;
    parts.slice(0, Math.max(first, 0)).forEach(function (part) { offset += part.text.length; });
    var start = first > 0 ? Math.max(0, offset - SNIPPET_LEAD_CHARS) : 0;
    start = start > 0 ? wordStartAfter(text, start) : 0;
    var end = wordEndBefore(text, start + SNIPPET_CHARS);
    var windowed = slice(parts, start, end);
    if (start > 0) {
      windowed.unshift({ text: "… ", mark: false });
    }
    if (end < text.length) {
      windowed.push({ text: " …", mark: false });
    }
    return joinParts(windowed);
  }

  function wordStartAfter(text, at) {
    var space = text.indexOf(" ", at);
    return space === -1 ? at : space + 1;
  }

  function wordEndBefore(text, at) {
    if (at >= text.length) {
      return text.length;
    }
    var space = text.lastIndexOf(" ", at);
    return space <= 0 ? at : space;
  }

  function slice(parts, start, end) {
    var out = [];
    var offset = 0;
    parts.forEach(function (part) {
      var from = Math.max(start, offset);
      var to = Math.min(end, offset + part.text.length);
      if (to > from) {
        out.push({ text: part.text.slice(from - offset, to - offset), mark: part.mark });
      }
      offset += part.text.length;
    });
    return out;
  }

  // ---------------------------------------------------------------- in a worker

  /**
   * The worker side: search.js started as a Web Worker by the page runs the engine here, so
   * that loading big shards and scoring common words never blocks typing. Messages: first
   * {lunr: url} (as soon as the page has loaded lunr.js, so it comes from the cache), then
   * {search: url of the search folder, manifest}, then {query: {channel, id, text}, tier},
   * each answered with {id, tier, found} (found: a stage's report, or null for a stale
   * query) or {id, tier, error}. A newer id in a channel makes older work stop.
   */
  function serveQueries(scope) {
    var engine = null;
    var latest = new Map(); // channel -> newest query id
    scope.onmessage = function (event) {
      var message = event.data;
      if (message.lunr) {
        scope.importScripts(message.lunr);
        return;
      }
      if (message.manifest) {
        engine = new Engine(scope.lunr, message.manifest, function (name, priority) {
          return fetchFrom(message.search + name, "default", priority);
        });
        return;
      }
      var query = message.query;
      latest.set(query.channel, Math.max(latest.get(query.channel) || 0, query.id));
      var current = function () { return latest.get(query.channel) === query.id; };
      var reply = { id: query.id, tier: message.tier };
      engine.stage(query, message.tier, current).then(
        function (found) { reply.found = found; scope.postMessage(reply); },
        function (error) { reply.error = String(error); scope.postMessage(reply); }
      );
    };
  }

  /**
   * Fetch and parse a JSON file; an HTTP error is an error. `priority` ("high" or "low", a
   * hint browsers may ignore) lets what the next results need pass snippets in the queue.
   */
  function fetchFrom(url, cache, priority) {
    var options = { cache: cache, credentials: "same-origin", priority: priority || "high" };
    return fetch(url, options).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status + " for " + url);
      }
      return response.json();
    });
  }

  var api = {
    Engine: Engine,
    parseQuery: parseQuery,
    shardKeys: shardKeys,
    shardOf: shardOf,
    combine: combine,
    plainWords: plainWords,
    trimWord: trimWord,
    markParts: markParts,
    snippetParts: snippetParts,
  };
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  }
  if (typeof document === "undefined") {
    if (typeof importScripts === "function" && typeof self === "object") {
      serveQueries(self);
    }
    return;
  }

  // ---------------------------------------------------------------- loading

  var root = siteRoot();
  var scriptUrl = document.currentScript ? document.currentScript.src : "";
  var loading = null;
  var queryIds = 0;

  function siteRoot() {
    var value = document.documentElement.getAttribute("data-root") || "";
    return value && value.slice(-1) !== "/" ? value + "/" : value;
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      if (window.lunr) {
        resolve(window.lunr);
        return;
      }
      var script = document.createElement("script");
      script.src = src;
      script.async = true;
      script.onload = function () {
        if (window.lunr) {
          resolve(window.lunr);
        } else {
          reject(new Error("lunr.js did not load"));
        }
      };
      script.onerror = function () {
        script.remove();
        reject(new Error("could not load " + src));
      };
      document.head.appendChild(script);
    });
  }

  /** An absolute URL of a path relative to the site root. */
  function siteUrl(path) {
    return new URL(root + path, window.location.href).href;
  }

  /**
   * Load lunr.js and the manifest once, and start the worker meanwhile; a failure may be
   * retried later. The manifest is revalidated ("no-cache": a cheap 304 when unchanged), so
   * it always names the files of the current build; those are named by their content and
   * may come from the cache. Resolves with {engine, searcher}: the engine here fetches
   * result documents (and searches if there is no worker), the searcher runs query stages.
   */
  function ensureLoaded() {
    if (!loading) {
      var searcher = new Searcher();
      var lunrLoaded = loadScript(root + LUNR_PATH).then(function (lunr) {
        searcher.post({ lunr: siteUrl(LUNR_PATH) });
        return lunr;
      });
      loading = Promise.all([lunrLoaded, fetchFrom(siteUrl(MANIFEST_PATH), "no-cache")])
        .then(function (loaded) {
          var engine = new Engine(loaded[0], loaded[1], function (name, priority) {
            return fetchFrom(siteUrl(SEARCH_DIR + name), "default", priority);
          });
          searcher.ready(engine);
          return { engine: engine, searcher: searcher };
        })
        .catch(function (error) {
          searcher.stop();
          loading = null;
          throw error;
        });
    }
    return loading;
  }

  /**
   * Runs query stages in a worker (static/search.js again) when the browser allows it, else
   * here with the page's engine. The worker starts at once, so it is ready by the time the
   * manifest is. If it fails, this searches here from then on.
   */
  function Searcher() {
    var self = this;
    this.engine = null;
    this.waiting = new Map();
    this.worker = null;
    if (typeof Worker !== "function" || !scriptUrl) {
      return;
    }
    try {
      this.worker = new Worker(scriptUrl);
    } catch (error) {
      return;
    }
    this.worker.onmessage = function (event) { self.answer(event.data); };
    this.worker.onerror = function (event) {
      event.preventDefault();
      self.fallBack();
    };
  }

  Searcher.prototype.post = function (message) {
    if (this.worker) {
      this.worker.postMessage(message);
    }
  };

  /** The manifest is loaded: the worker gets it, and the page's engine is the fallback. */
  Searcher.prototype.ready = function (engine) {
    this.engine = engine;
    this.post({ search: siteUrl(SEARCH_DIR), manifest: engine.manifest });
  };

  Searcher.prototype.stop = function () {
    if (this.worker) {
      this.worker.terminate();
      this.worker = null;
    }
  };

  Searcher.prototype.stage = function (query, tier, current) {
    var self = this;
    if (!this.worker) {
      return this.engine.stage(query, tier, current);
    }
    return new Promise(function (resolve, reject) {
      var job = { query: query, tier: tier, current: current, resolve: resolve, reject: reject };
      self.waiting.set(query.id + "/" + tier, job);
      self.worker.postMessage({ query: query, tier: tier });
    });
  };

  Searcher.prototype.answer = function (message) {
    var key = message.id + "/" + message.tier;
    var job = this.waiting.get(key);
    this.waiting.delete(key);
    if (job && message.error) {
      job.reject(new Error(message.error));
    } else if (job) {
      job.resolve(message.found);
    }
  };

  /** The worker could not start or broke: run what it was asked here, and all from now on. */
  Searcher.prototype.fallBack = function () {
    var engine = this.engine;
    this.stop();
    this.waiting.forEach(function (job) {
      engine.stage(job.query, job.tier, job.current).then(job.resolve, job.reject);
    });
    this.waiting.clear();
  };

  /**
   * Search tier by tier in a search `box`. After each tier, `show(found)` gets the report so
   * far (it may return a promise, awaited before the next tier is searched: the abstract
   * shards are fetched only once the first results are shown). A report that arrives is
   * always handed to `show`, even once a newer keystroke came: the box decides whether to
   * show it (worthShowing). The next tier is searched only while `current()` is true, and
   * once the reader has paused if the box shows results (`box.showsResults()`; if not, at
   * once: the first results come sooner). Each search box searches in its own `channel`.
   */
  function inStages(searcher, box, channel, text, current, show) {
    var query = { channel: channel, id: ++queryIds, text: text };
    var stage = function (t) {
      return searcher.stage(query, t, current).then(function (found) {
        if (!found) {
          return null;
        }
        return Promise.resolve(show(found)).then(function () {
          return found.final || !current() ? null : box.showsResults() ? paused(box) : true;
        }).then(function (more) {
          return more && current() ? stage(t + 1) : null;
        });
      });
    };
    return stage(0);
  }

  /**
   * Whether a search's report (`found`) is worth fetching documents for and showing in a
   * search box: not once a newer search has shown its results (`showing()` is false). While
   * the box shows no results, yes: the first results come even if the reader has typed on
   * meanwhile (they are replaced when the newer query's come). Once it shows results, only
   * if the search is still for what is in the box (`current()`; the results of a query the
   * reader has typed past would be replaced at once: their documents are not worth fetching)
   * and has found something or searched every tier.
   */
  function worthShowing(box, found, showing, current) {
    if (!showing()) {
      return false;
    }
    return !box.showsResults() || (current() && (found.count > 0 || found.final));
  }

  /**
   * Resolves with true once the reader has not typed in a box (`box.typedAt`, a Date.now())
   * for DEBOUNCE_MS: what only the last query needs (the next tier, snippets) waits for it,
   * so that typing does not fetch it for queries about to be replaced.
   */
  function paused(box) {
    var wait = box.typedAt + DEBOUNCE_MS - Date.now();
    if (wait <= 0) {
      return Promise.resolve(true);
    }
    return new Promise(function (resolve) { setTimeout(resolve, wait); }).then(function () {
      return paused(box);
    });
  }

  /**
   * Hits with what they show at once, {ref, terms, doc} (those without a doc are left out).
   * `partly(hits)`, if given, gets the best hits as soon as their documents are in (the first
   * so many, in order), so the first results show before the documents of the last ones come.
   * `priority` is "low" for the documents of a query the reader has typed past: what the
   * newer query needs passes them in the browser's queue.
   */
  function withDocs(engine, hits, partly, priority) {
    var docs = hits.map(function () { return undefined; });
    var ready = 0;
    var these = function (count) {
      return hits.slice(0, count)
        .map(function (hit, i) { return { ref: hit.ref, terms: hit.terms, doc: docs[i] }; })
        .filter(function (hit) { return hit.doc; });
    };
    return Promise.all(hits.map(function (hit, i) {
      return engine.docs([hit.ref], priority).then(function (found) {
        docs[i] = found[0];
        var before = ready;
        while (ready < hits.length && docs[ready] !== undefined) {
          ready++;
        }
        if (partly && ready > before && ready < hits.length) {
          partly(these(ready));
        }
      });
    })).then(function () { return these(hits.length); });
  }

  /** Hits with documents, each with its snippet source too: {ref, terms, doc, snippet}. */
  function withSnippets(engine, hits) {
    return engine.snippets(hits.map(function (hit) { return hit.ref; })).then(function (texts) {
      return hits.map(function (hit, i) {
        return { ref: hit.ref, terms: hit.terms, doc: hit.doc, snippet: texts[i] };
      });
    });
  }

  // ---------------------------------------------------------------- rendering

  var UNAVAILABLE = "Search is unavailable: the search index could not be loaded. " +
    "Check your connection and try again.";
  var SEARCHING = "Searching\u2026";
  var PARTIAL = " (searching abstracts\u2026)";
  var NO_ABSTRACTS = "; abstracts could not be searched.";

  function quoted(text) {
    return "\u201c" + text.trim() + "\u201d";
  }

  function noMatch(text) {
    return "No papers match " + quoted(text) + ".";
  }

  function onlyExcluded(text) {
    return quoted(text) + " only leaves papers out: add a word to search for.";
  }

  /** "1 paper matches “q”" or "12 papers match “q”". */
  function matchText(count, text) {
    return (count === 1 ? "1 paper matches " : count + " papers match ") + quoted(text);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function appendParts(node, parts) {
    parts.forEach(function (part) {
      node.appendChild(part.mark ? element("mark", "", part.text) : document.createTextNode(part.text));
    });
    return node;
  }

  /** The title, year, topics and (once its source is known) snippet elements of one result. */
  function resultParts(lunr, hit, snippet, titleTag, blockTag) {
    var doc = hit.doc;
    var parts = [appendParts(element(titleTag, "search-result-title"), markParts(lunr, doc.title, hit.terms))];
    if (doc.year) {
      parts.push(element("span", "search-result-year", String(doc.year)));
    }
    if (doc.topics && doc.topics.length) {
      var topics = markParts(lunr, doc.topics.join(" \u00b7 "), hit.terms);
      parts.push(appendParts(element(blockTag, "search-result-topics"), topics));
    }
    if (snippet) {
      parts.push(appendParts(element(blockTag, "search-result-snippet"), snippetParts(lunr, snippet, hit.terms)));
    }
    return parts;
  }

  /**
   * Make `parent`'s children `nodes`, moving as few as possible: an element kept in place
   * keeps focus, and the ones above it do not jump.
   */
  function placeChildren(parent, nodes) {
    nodes.forEach(function (node, i) {
      var there = parent.children[i];
      if (there !== node) {
        parent.insertBefore(node, there || null);
      }
    });
    while (parent.children.length > nodes.length) {
      parent.removeChild(parent.lastElementChild);
    }
  }

  /**
   * Result elements by ref, reused across the renders of one query: a result that stays
   * keeps its element (and focus); if it matched more words, or its snippet came, its parts
   * are refilled in place. A result keeps its snippet across the renders of its query.
   */
  function NodeCache(make, titleTag, blockTag) {
    this.make = make;
    this.tags = [titleTag, blockTag];
    this.text = null;
    this.nodes = new Map();
  }

  /** The element of a hit {ref, terms, doc} of the query `text`, filled in. */
  NodeCache.prototype.get = function (text, hit) {
    if (this.text !== text) {
      this.text = text;
      this.nodes = new Map();
    }
    var known = this.nodes.get(hit.ref);
    if (!known) {
      known = { node: this.make(), key: null, snippet: null };
      this.nodes.set(hit.ref, known);
    }
    known.hit = hit;
    return this.fillIn(known);
  };

  /** Give the shown results of `text` their snippets (hits {ref, snippet}); none if it changed. */
  NodeCache.prototype.addSnippets = function (text, hits) {
    if (this.text !== text) {
      return;
    }
    hits.forEach(function (hit) {
      var known = this.nodes.get(hit.ref);
      if (known && typeof hit.snippet === "string") {
        known.snippet = hit.snippet;
        this.fillIn(known);
      }
    }, this);
  };

  NodeCache.prototype.fillIn = function (known) {
    var key = known.hit.terms.slice().sort().join(" ") + "\n" + known.snippet;
    if (known.key !== key) {
      fill(known.node, resultParts(window.lunr, known.hit, known.snippet, this.tags[0], this.tags[1]));
      known.key = key;
    }
    return known.node;
  };

  /**
   * Put the parts of a result into its element: a part it already has (same tag and class)
   * keeps its element and takes the new content, so a focused title link keeps focus when
   * more words are marked or the snippet is added.
   */
  function fill(node, parts) {
    var old = new Map();
    Array.prototype.forEach.call(node.children, function (child) {
      old.set(child.tagName + "." + child.className, child);
    });
    placeChildren(node, parts.map(function (part) {
      var there = old.get(part.tagName + "." + part.className);
      if (!there) {
        return part;
      }
      there.replaceChildren.apply(there, Array.from(part.childNodes));
      return there;
    }));
  }

  function searchPageUrl(text) {
    return root + SEARCH_PAGE_PATH + "?q=" + encodeURIComponent(text);
  }

  /**
   * Run fn at once if it has not run for `ms`, else `ms` after the calls stop coming;
   * `.cancel()` drops a run that is waiting.
   */
  function debounce(fn, ms) {
    var timer = null;
    var last = 0;
    var run = function () {
      last = Date.now();
      fn();
    };
    var debounced = function () {
      clearTimeout(timer);
      if (Date.now() - last >= ms) {
        run();
      } else {
        timer = setTimeout(run, ms);
      }
    };
    debounced.cancel = function () { clearTimeout(timer); };
    return debounced;
  }

  // ---------------------------------------------------------------- header panel

  function HeaderSearch(form, input, panel) {
    var self = this;
    this.form = form;
    this.input = input;
    this.panel = panel;
    this.active = -1;
    this.options = [];
    this.runs = 0; // searches started (one per update)
    this.typedAt = 0; // when the reader last typed in the box (Date.now())
    this.shownRun = 0; // the newest search whose results are shown
    this.closed = 0; // no search up to this one may show anything (the panel was closed)
    this.cache = new NodeCache(function () { return self.option(); }, "span", "span");
    this.statusLine = element("p", "search-panel-status");
    this.statusLine.setAttribute("role", "status");
    this.listbox = element("div", "search-results search-panel-results");
    this.listbox.id = "site-search-listbox";
    this.listbox.setAttribute("role", "listbox");
    this.listbox.setAttribute("aria-label", "Search results");
    this.listbox.hidden = true;
    panel.replaceChildren(this.statusLine, this.listbox);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    this.bind();
  }

  HeaderSearch.prototype.bind = function () {
    var self = this;
    var update = debounce(function () { self.update(); }, DEBOUNCE_MS);
    this.pending = update;
    this.input.addEventListener("focus", function () {
      ensureLoaded().catch(function () {});
      if (self.input.value.trim()) {
        self.update();
      }
    });
    this.input.addEventListener("input", function () {
      self.typedAt = Date.now();
      update();
    });
    this.input.addEventListener("keydown", function (event) { self.onKey(event); });
    this.form.addEventListener("focusout", function (event) { self.onFocusOut(event); });
    // Keep focus in the input when an option is clicked (the click still follows the link).
    this.panel.addEventListener("mousedown", function (event) { event.preventDefault(); });
    document.addEventListener("pointerdown", function (event) {
      if (!self.form.contains(event.target) && !self.panel.contains(event.target)) {
        self.close();
      }
    });
  };

  HeaderSearch.prototype.showsResults = function () {
    return this.options.length > 0 && !this.panel.hidden;
  };

  HeaderSearch.prototype.onFocusOut = function (event) {
    var next = event.relatedTarget;
    if (!next || (!this.form.contains(next) && !this.panel.contains(next))) {
      this.close();
    }
  };

  HeaderSearch.prototype.onKey = function (event) {
    if (event.isComposing) {
      return;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (this.panel.hidden) {
        this.update();
      } else {
        this.move(event.key === "ArrowDown" ? 1 : -1);
      }
    } else if (event.key === "Escape") {
      if (!this.panel.hidden) {
        event.preventDefault();
        this.close();
      }
    } else if (event.key === "Enter" && this.active >= 0 && !this.panel.hidden) {
      event.preventDefault();
      this.options[this.active].click();
    }
  };

  HeaderSearch.prototype.move = function (step) {
    var count = this.options.length;
    if (!count) {
      return;
    }
    var next = this.active + step;
    if (next < -1) {
      next = count - 1;
    } else if (next >= count) {
      next = -1;
    }
    this.setActive(next);
  };

  HeaderSearch.prototype.setActive = function (position) {
    this.options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === position ? "true" : "false");
    });
    this.active = position;
    if (position >= 0) {
      this.input.setAttribute("aria-activedescendant", this.options[position].id);
      this.options[position].scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  };

  /** Close the panel; results still on their way (or a keystroke's pending search) stay out. */
  HeaderSearch.prototype.close = function () {
    this.closed = ++this.runs;
    this.pending.cancel();
    this.panel.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.setActive(-1);
  };

  /**
   * Show a message and these options (none: the listbox is hidden). The active option stays
   * active if it is still there (the same link), so results that arrive later, or those of
   * the next keystroke, do not take the reader's place away.
   */
  HeaderSearch.prototype.show = function (message, options) {
    var before = this.active >= 0 ? this.options[this.active].getAttribute("href") : null;
    this.options = options;
    options.forEach(function (option, i) {
      option.id = option.classList.contains("search-panel-all")
        ? "site-search-option-all" : "site-search-option-" + i;
    });
    this.statusLine.textContent = message;
    placeChildren(this.listbox, options);
    this.listbox.hidden = options.length === 0;
    this.panel.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.setActive(options.findIndex(function (option) {
      return before !== null && option.getAttribute("href") === before;
    }));
  };

  /**
   * Search for what is in the box. Only the newest search goes on to the next tier; while the
   * panel shows no results, what an older one found is shown (see worthShowing), so the first
   * results come while the reader types. Results show first, their snippets once the reader
   * pauses.
   */
  HeaderSearch.prototype.update = function () {
    var self = this;
    var text = this.input.value;
    var run = ++this.runs;
    if (!text.trim()) {
      this.close();
      return;
    }
    if (this.panel.hidden) {
      this.show("Loading search\u2026", []);
    }
    var current = function () {
      return self.runs === run && self.input.value === text && document.activeElement === self.input;
    };
    var showing = function () {
      return run > self.closed && run >= self.shownRun && document.activeElement === self.input;
    };
    var shown = false;
    ensureLoaded()
      .then(function (loaded) {
        return inStages(loaded.searcher, self, "panel", text, current, function (found) {
          if (!worthShowing(self, found, showing, current)) {
            return null;
          }
          var partly = self.showsResults() ? null : function (top) { // the first results
            if (showing()) {
              self.shownRun = run;
              self.render(text, found, top);
            }
          };
          var best = found.hits.slice(0, PANEL_RESULTS);
          return withDocs(loaded.engine, best, partly, current() ? "high" : "low").then(function (top) {
            if (!showing()) {
              return;
            }
            shown = shown || found.count > 0 || found.final;
            self.shownRun = run;
            self.render(text, found, top);
            paused(self).then(function () {
              // An older search's results are soon replaced: only the newest gets snippets.
              return current() ? withSnippets(loaded.engine, top) : null;
            }).then(function (full) {
              if (full && showing()) {
                self.cache.addSnippets(text, full);
              }
            }, function () {});
          });
        });
      })
      .catch(function () {
        if (self.runs === run && self.input.value === text) {
          if (shown && self.options.length) {
            self.statusLine.textContent = matchText(self.count, text) + NO_ABSTRACTS;
          } else {
            self.show(UNAVAILABLE, []);
          }
        }
      });
  };

  HeaderSearch.prototype.option = function () {
    var option = element("a", "search-result");
    option.setAttribute("role", "option");
    option.setAttribute("aria-selected", "false");
    option.tabIndex = -1;
    return option;
  };

  HeaderSearch.prototype.render = function (text, found, top) {
    var self = this;
    var count = found.count;
    var final = found.final;
    if (found.onlyExcluded) {
      this.show(onlyExcluded(text), []);
      return;
    }
    if (!count) {
      this.show(final ? noMatch(text) : SEARCHING, []);
      return;
    }
    var options = top.map(function (hit) {
      var option = self.cache.get(text, hit);
      option.href = root + hit.doc.url;
      return option;
    });
    var all = this.allOption || element("a", "search-panel-all");
    this.allOption = all;
    all.textContent = "All " + count + (count === 1 ? " result" : " results");
    all.href = searchPageUrl(text);
    all.setAttribute("role", "option");
    all.setAttribute("aria-selected", "false");
    all.tabIndex = -1;
    options.push(all);
    this.count = count;
    this.show(matchText(count, text) + (final ? "" : PARTIAL), options);
  };

  // ---------------------------------------------------------------- search page

  function SearchPage(input, status, list) {
    this.input = input;
    this.status = status;
    this.list = list;
    this.intro = Array.prototype.slice.call(status.childNodes);
    this.runs = 0; // searches started
    this.typedAt = 0; // when the reader last typed in the box (Date.now())
    this.remembering = false; // the query goes into the address bar once the reader pauses
    this.shownRun = 0; // the newest search whose results are shown
    this.closed = 0; // no search up to this one may show anything (the box was emptied)
    this.found = null; // the report shown
    this.shown = 0; // how many of its results are shown
    this.cache = new NodeCache(function () { return element("li", "search-result"); }, "a", "p");
    this.observer = typeof IntersectionObserver === "function"
      ? new IntersectionObserver(this.onSeen.bind(this), { rootMargin: "400px" })
      : null;
    this.bind();
  }

  SearchPage.prototype.bind = function () {
    var self = this;
    var run = debounce(function () { self.run(); }, DEBOUNCE_MS);
    this.input.addEventListener("focus", function () { ensureLoaded().catch(function () {}); });
    this.input.addEventListener("input", function () {
      self.typedAt = Date.now();
      self.rememberSoon();
      run();
    });
    if (this.input.form) {
      this.input.form.addEventListener("submit", function (event) {
        event.preventDefault();
        self.remember();
        self.run();
      });
    }
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) {
      this.input.value = query;
      this.run();
    }
  };

  SearchPage.prototype.showsResults = function () {
    return this.list.children.length > 0;
  };

  /**
   * Put the query in the address bar once the reader paused: not on every keystroke (a
   * browser may refuse many history changes in a short time, and some fetch the icon again).
   */
  SearchPage.prototype.rememberSoon = function () {
    var self = this;
    if (!this.remembering) {
      this.remembering = true;
      paused(this).then(function () {
        self.remembering = false;
        self.remember();
      });
    }
  };

  /** Put the query in the address bar, so the search can be shared and reloaded. */
  SearchPage.prototype.remember = function () {
    var url = new URL(window.location.href);
    if (this.input.value) {
      url.searchParams.set("q", this.input.value);
    } else {
      url.searchParams.delete("q");
    }
    window.history.replaceState(window.history.state, "", url.href);
  };

  /**
   * Search for what is in the box, as HeaderSearch.update does. The results shown stay while
   * the next query runs, until its own replace them.
   */
  SearchPage.prototype.run = function () {
    var self = this;
    var text = this.input.value;
    var run = ++this.runs;
    if (!text.trim()) {
      this.closed = run;
      this.found = null;
      this.shown = 0;
      this.status.replaceChildren.apply(this.status, this.intro);
      this.list.replaceChildren();
      return;
    }
    if (!this.showsResults()) {
      this.status.textContent = SEARCHING;
    }
    var current = function () { return self.runs === run && self.input.value === text; };
    var showing = function () { return run > self.closed && run >= self.shownRun; };
    var shown = false;
    ensureLoaded()
      .then(function (loaded) {
        return inStages(loaded.searcher, self, "page", text, current, function (found) {
          if (!worthShowing(self, found, showing, current)) {
            return null;
          }
          var count = self.shownRun === run ? Math.min(Math.max(self.shown, PAGE_BATCH), PAGE_RESULTS) : PAGE_BATCH;
          // A new query's best results show as their documents come: at once while the page
          // shows none, else once a screenful is in (the list would shrink to a few), so the
          // first screen does not wait for the documents of the last results.
          var fresh = !self.showsResults() || self.shownRun !== run;
          var partly = !fresh ? null : function (hits) {
            var enough = !self.showsResults() || self.shownRun === run || hits.length >= SCREEN_RESULTS;
            if (showing() && enough) {
              self.shownRun = run;
              self.render(loaded.engine, text, found, hits, false, true);
            }
          };
          var priority = current() ? "high" : "low";
          return withDocs(loaded.engine, found.hits.slice(0, count), partly, priority).then(function (hits) {
            if (showing()) {
              shown = shown || found.count > 0 || found.final;
              self.shownRun = run;
              self.render(loaded.engine, text, found, hits, current, false);
            }
          });
        });
      })
      .catch(function () {
        if (!current()) {
          return;
        }
        if (shown && self.found && self.found.count) {
          self.status.textContent = matchText(self.found.count, text) + NO_ABSTRACTS;
        } else {
          self.status.textContent = UNAVAILABLE;
          self.list.replaceChildren();
        }
      });
  };

  /**
   * Show a report: `snippets()` says whether to fetch its results' snippets (not when stale;
   * asked once the reader paused), `partial` that the documents of more results are on their
   * way (no more are shown on scrolling yet).
   */
  SearchPage.prototype.render = function (engine, text, found, hits, snippets, partial) {
    var count = found.count;
    var final = found.final;
    this.engine = engine;
    this.text = text;
    this.found = found;
    this.final = final;
    if (!count && !final) {
      this.status.textContent = SEARCHING;
      return;
    }
    this.place(hits, !partial);
    if (snippets) {
      this.addSnippets(hits, snippets);
    }
    this.status.textContent = found.onlyExcluded ? onlyExcluded(text) : !count ? noMatch(text)
      : matchText(count, text) + (!final ? PARTIAL
      : count > PAGE_RESULTS ? "; showing the first " + PAGE_RESULTS + "." : ".");
  };

  /** Show these hits (with documents) and, if `more`, watch the last one to show more. */
  SearchPage.prototype.place = function (hits, more) {
    var self = this;
    var items = hits.map(function (hit) {
      var item = self.cache.get(self.text, hit);
      item.querySelector(".search-result-title").href = root + hit.doc.url;
      return item;
    });
    placeChildren(this.list, items);
    this.shown = items.length;
    if (this.observer) {
      this.observer.disconnect();
      if (more && this.found.hits.length > items.length && items.length) {
        this.observer.observe(items[items.length - 1]);
      }
    }
  };

  /** The last result came into view: fetch the documents of the next batch and add it. */
  SearchPage.prototype.onSeen = function (entries) {
    var self = this;
    var found = this.found;
    var text = this.text;
    if (!found || !entries.some(function (entry) { return entry.isIntersecting; })) {
      return;
    }
    this.observer.disconnect();
    var next = found.hits.slice(0, Math.min(this.shown + PAGE_BATCH, PAGE_RESULTS));
    withDocs(this.engine, next).then(function (hits) {
      if (self.found === found && self.text === text) {
        self.place(hits, true);
        self.addSnippets(hits, function () { return true; });
      }
    }, function () {});
  };

  /**
   * Once the reader paused, and if `wanted()` still, fetch the snippets of shown results
   * and add them (unless other results are shown by then).
   */
  SearchPage.prototype.addSnippets = function (hits, wanted) {
    var self = this;
    var found = this.found;
    var text = this.text;
    paused(this).then(function () {
      return wanted() && self.found === found ? withSnippets(self.engine, hits) : null;
    }).then(function (full) {
      if (full && self.found === found) {
        self.cache.addSnippets(text, full);
      }
    }, function () {});
  };

  // ---------------------------------------------------------------- start

  function start() {
    var input = document.getElementById("site-search-input");
    var panel = document.getElementById("site-search-panel");
    if (input && panel && input.form) {
      new HeaderSearch(input.form, input, panel);
    }
    var pageInput = document.getElementById("search-page-input");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-results");
    if (pageInput && status && list) {
      new SearchPage(pageInput, status, list);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
