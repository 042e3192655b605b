/*
 * surveysite client-side search: lunr.js 2.3.9 over an index built in Python (lunr.py).
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
 * Fetched relative to data-root, so the site works under any sub-path, and only once the
 * reader starts to search (first focus or input in a search box, or ?q= on the search
 * page): static/vendor/lunr/lunr.min.js (added as a <script src> element),
 * search/index.json (the serialized index, whose document refs are short base-36
 * numbers) and search/docs.json ({ref: {title, url, topics, year, abstract}}).
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
 * with history.replaceState so a search can be shared and reloaded. Each result is
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
 * (attention?, (attention)). A failed download shows a friendly message.
 *
 * CSS hooks expected from the stylesheet: .search-panel (an absolutely positioned
 * overlay), .search-result[aria-selected="true"], mark, .visually-hidden.
 *
 * In Node (tests), the pure query and snippet functions are exported via module.exports.
 */
(function () {
  "use strict";

  var LUNR_PATH = "static/vendor/lunr/lunr.min.js";
  var INDEX_PATH = "search/index.json";
  var DOCS_PATH = "search/docs.json";
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

  function isIndexed(index, term) {
    return hasOwn.call(index.invertedIndex, term);
  }

  /**
   * Indexed stems of the words a half-typed word may become, found by finishing a
   * suffix it has started: "attenti" -> "attention" -> "attent", "optimiza" ->
   * "optimization" -> "optim", "spiki" -> "spiking" -> "spike". A trailing wildcard
   * cannot find these, as the typed word already runs past the stem. None when the
   * word's own stem is indexed.
   */
  function completedStems(lunr, index, word) {
    var found = new Set();
    if (isIndexed(index, stemOf(lunr, word))) {
      return [];
    }
    SUFFIXES.forEach(function (suffix) {
      for (var typed = 1; typed < suffix.length; typed++) {
        if (word.slice(-typed) === suffix.slice(0, typed)) {
          var stem = stemOf(lunr, word + suffix.slice(typed));
          if (stem.length >= MIN_STEM_CHARS && isIndexed(index, stem)) {
            found.add(stem);
          }
        }
      }
    });
    return Array.from(found).slice(0, MAX_COMPLETED_STEMS);
  }

  /** Let the last word also match as a prefix, next to (never instead of) its exact match. */
  function addPrefix(lunr, index, query) {
    var last = query.clauses[query.clauses.length - 1];
    if (!last || !last.usePipeline || last.editDistance || last.boost !== 1 ||
        last.presence !== lunr.Query.presence.OPTIONAL) {
      return;
    }
    var word = trimWord(last.term);
    if (word.length < MIN_PREFIX_CHARS) {
      return;
    }
    var base = { fields: last.fields, usePipeline: false, boost: PREFIX_BOOST };
    query.clause(Object.assign({ term: word, wildcard: lunr.Query.wildcard.TRAILING }, base));
    completedStems(lunr, index, word).forEach(function (stem) {
      query.clause(Object.assign({ term: stem }, base));
    });
  }

  function parsedQuery(lunr, index, text, typing) {
    return index.query(function (query) {
      new lunr.QueryParser(text, query).parse();
      if (!query.clauses.length) {
        throw new lunr.QueryParseError("no terms", 0, text.length);
      }
      tame(query);
      if (typing) {
        addPrefix(lunr, index, query);
      }
    });
  }

  function plainQuery(lunr, index, text, typing) {
    var words = plainWords(text);
    if (!words.length) {
      return []; // a query without clauses would match every paper
    }
    return index.query(function (query) {
      words.forEach(function (word) {
        query.term(word, { usePipeline: true });
      });
      if (typing) {
        addPrefix(lunr, index, query);
      }
    });
  }

  /**
   * Run what the reader typed; never throws for any input. `typing` adds the prefix
   * match for the last word (unless the text ends with a space).
   */
  function search(lunr, index, raw) {
    var text = String(raw).slice(0, MAX_QUERY_CHARS);
    if (!text.trim()) {
      return [];
    }
    var typing = !/\s$/.test(text);
    try {
      return parsedQuery(lunr, index, text, typing);
    } catch (parseError) {
      try {
        return plainQuery(lunr, index, text, typing);
      } catch (plainError) {
        return [];
      }
    }
  }

  /** The index terms a result matched (in any field). */
  function matchedTerms(result) {
    var metadata = (result.matchData && result.matchData.metadata) || {};
    return Object.keys(metadata);
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

  var api = {
    search: search,
    plainWords: plainWords,
    trimWord: trimWord,
    matchedTerms: matchedTerms,
    markParts: markParts,
    snippetParts: snippetParts,
  };
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  }
  if (typeof document === "undefined") {
    return;
  }

  // ---------------------------------------------------------------- loading

  var root = siteRoot();
  var loading = null;

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

  function fetchJson(path) {
    // "no-cache" revalidates (a cheap 304 when unchanged), so index.json and docs.json are
    // always from the same build: result refs are positions that change between builds.
    return fetch(root + path, { cache: "no-cache", credentials: "same-origin" }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status + " for " + path);
      }
      return response.json();
    });
  }

  /** Load lunr.js, the index and the documents once; a failure may be retried later. */
  function ensureLoaded() {
    if (!loading) {
      loading = Promise.all([loadScript(root + LUNR_PATH), fetchJson(INDEX_PATH), fetchJson(DOCS_PATH)])
        .then(function (loaded) {
          return { lunr: loaded[0], index: loaded[0].Index.load(loaded[1]), docs: loaded[2] };
        })
        .catch(function (error) {
          loading = null;
          throw error;
        });
    }
    return loading;
  }

  /** Results with their documents, best first; never throws. */
  function lookUp(engine, text) {
    return search(engine.lunr, engine.index, text)
      .filter(function (result) { return hasOwn.call(engine.docs, result.ref); })
      .map(function (result) {
        return { doc: engine.docs[result.ref], terms: matchedTerms(result) };
      });
  }

  // ---------------------------------------------------------------- rendering

  var UNAVAILABLE = "Search is unavailable: the search index could not be loaded. " +
    "Check your connection and try again.";

  function quoted(text) {
    return "\u201c" + text.trim() + "\u201d";
  }

  function noMatch(text) {
    return "No papers match " + quoted(text) + ".";
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

  /** The title, year, topics and snippet elements of one result. */
  function resultParts(engine, hit, titleTag, blockTag) {
    var doc = hit.doc;
    var lunr = engine.lunr;
    var parts = [appendParts(element(titleTag, "search-result-title"), markParts(lunr, doc.title, hit.terms))];
    if (doc.year) {
      parts.push(element("span", "search-result-year", String(doc.year)));
    }
    if (doc.topics && doc.topics.length) {
      var topics = markParts(lunr, doc.topics.join(" \u00b7 "), hit.terms);
      parts.push(appendParts(element(blockTag, "search-result-topics"), topics));
    }
    if (doc.abstract) {
      var snippet = snippetParts(lunr, doc.abstract, hit.terms);
      parts.push(appendParts(element(blockTag, "search-result-snippet"), snippet));
    }
    return parts;
  }

  function pageResult(engine, hit) {
    var item = element("li", "search-result");
    resultParts(engine, hit, "a", "p").forEach(function (part) { item.appendChild(part); });
    item.querySelector(".search-result-title").href = root + hit.doc.url;
    return item;
  }

  function panelOption(engine, hit, id) {
    var option = element("a", "search-result");
    option.id = id;
    option.href = root + hit.doc.url;
    option.setAttribute("role", "option");
    option.setAttribute("aria-selected", "false");
    option.tabIndex = -1;
    resultParts(engine, hit, "span", "span").forEach(function (part) { option.appendChild(part); });
    return option;
  }

  function searchPageUrl(text) {
    return root + SEARCH_PAGE_PATH + "?q=" + encodeURIComponent(text);
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  // ---------------------------------------------------------------- header panel

  function HeaderSearch(form, input, panel) {
    this.form = form;
    this.input = input;
    this.panel = panel;
    this.active = -1;
    this.options = [];
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
    this.input.addEventListener("focus", function () {
      ensureLoaded().catch(function () {});
      if (self.input.value.trim()) {
        self.update();
      }
    });
    this.input.addEventListener("input", update);
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

  HeaderSearch.prototype.close = function () {
    this.panel.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.setActive(-1);
  };

  /** Show a message and these options (none: the listbox is hidden). */
  HeaderSearch.prototype.show = function (message, options) {
    this.setActive(-1);
    this.options = options;
    this.statusLine.textContent = message;
    this.listbox.replaceChildren.apply(this.listbox, options);
    this.listbox.hidden = options.length === 0;
    this.panel.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  };

  HeaderSearch.prototype.update = function () {
    var self = this;
    var text = this.input.value;
    if (!text.trim()) {
      this.close();
      return;
    }
    if (this.panel.hidden) {
      this.show("Loading search\u2026", []);
    }
    ensureLoaded().then(
      function (engine) {
        if (self.input.value === text && document.activeElement === self.input) {
          self.render(engine, text);
        }
      },
      function () {
        if (self.input.value === text) {
          self.show(UNAVAILABLE, []);
        }
      }
    );
  };

  HeaderSearch.prototype.render = function (engine, text) {
    var hits = lookUp(engine, text);
    if (!hits.length) {
      this.show(noMatch(text), []);
      return;
    }
    var options = hits.slice(0, PANEL_RESULTS).map(function (hit, i) {
      return panelOption(engine, hit, "site-search-option-" + i);
    });
    var all = element("a", "search-panel-all", "All " + hits.length + (hits.length === 1 ? " result" : " results"));
    all.id = "site-search-option-all";
    all.href = searchPageUrl(text);
    all.setAttribute("role", "option");
    all.setAttribute("aria-selected", "false");
    all.tabIndex = -1;
    options.push(all);
    this.show(matchText(hits.length, text), options);
  };

  // ---------------------------------------------------------------- search page

  function SearchPage(input, status, list) {
    this.input = input;
    this.status = status;
    this.list = list;
    this.intro = Array.prototype.slice.call(status.childNodes);
    this.bind();
  }

  SearchPage.prototype.bind = function () {
    var self = this;
    var run = debounce(function () { self.run(); }, DEBOUNCE_MS);
    this.input.addEventListener("focus", function () { ensureLoaded().catch(function () {}); });
    this.input.addEventListener("input", function () {
      self.remember();
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

  SearchPage.prototype.run = function () {
    var self = this;
    var text = this.input.value;
    if (!text.trim()) {
      this.status.replaceChildren.apply(this.status, this.intro);
      this.list.replaceChildren();
      return;
    }
    this.status.textContent = "Searching\u2026";
    ensureLoaded().then(
      function (engine) {
        if (self.input.value === text) {
          self.render(engine, text);
        }
      },
      function () {
        self.status.textContent = UNAVAILABLE;
        self.list.replaceChildren();
      }
    );
  };

  SearchPage.prototype.render = function (engine, text) {
    var hits = lookUp(engine, text);
    var items = hits.slice(0, PAGE_RESULTS).map(function (hit) { return pageResult(engine, hit); });
    this.list.replaceChildren.apply(this.list, items);
    if (!hits.length) {
      this.status.textContent = noMatch(text);
    } else if (hits.length > PAGE_RESULTS) {
      this.status.textContent = matchText(hits.length, text) + "; showing the first " + PAGE_RESULTS + ".";
    } else {
      this.status.textContent = matchText(hits.length, text) + ".";
    }
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
