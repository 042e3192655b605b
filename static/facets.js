/* All papers: filter by text, topic, year and source listing, in combination; sort; keep the
   state in the URL; download the shown papers as BibTeX. Cards are server-rendered and only
   hidden or reordered here, so the list works without this script. */
(function () {
  "use strict";

  var FACETS = ["topic", "year", "source"];

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function readCards(list) {
    return Array.prototype.map.call(list.children, function (card, order) {
      return {
        card: card,
        order: order,
        id: card.dataset.id,
        title: card.dataset.title,
        added: card.dataset.added || "",
        values: {
          topic: (card.dataset.t || "").split(" ").filter(Boolean),
          year: [card.dataset.year || "none"],
          source: (card.dataset.s || "").split(" ").filter(Boolean)
        },
        text: null,
        shown: true
      };
    });
  }

  /* The facet value a select's option stands for on the cards (a number, or the year). */
  function optionKey(name, option) {
    return name === "year" ? option.value : option.dataset.n;
  }

  function setupFacets() {
    var list = document.getElementById("all-papers");
    var form = document.getElementById("facets");
    if (!list || !form) return;
    var cards = readCards(list);
    var query = document.getElementById("facet-q");
    var status = document.getElementById("facet-status");
    var empty = document.getElementById("facet-empty");
    var actions = document.getElementById("facet-actions");
    var sortButtons = document.querySelectorAll(".sort-button[data-sort]");
    var selects = {};
    FACETS.forEach(function (name) {
      var select = document.getElementById("facet-" + name);
      if (select) selects[name] = select;
    });
    var sortKey = "title";
    var collator = new Intl.Collator();

    function chosen(name) {
      var select = selects[name];
      if (!select || !select.value) return null;
      return optionKey(name, select.options[select.selectedIndex]);
    }

    function textOf(entry) {
      if (entry.text === null) entry.text = fold(entry.card.textContent);
      return entry.text;
    }

    function matchesText(entry, words) {
      for (var i = 0; i < words.length; i++) if (textOf(entry).indexOf(words[i]) === -1) return false;
      return true;
    }

    function matchesFacet(entry, name, key) {
      return key === null || entry.values[name].indexOf(key) !== -1;
    }

    /* Whether a card passes every filter but `skip` (so counts show what choosing would give). */
    function passes(entry, keys, words, skip) {
      for (var i = 0; i < FACETS.length; i++) {
        var name = FACETS[i];
        if (name !== skip && !matchesFacet(entry, name, keys[name])) return false;
      }
      return !words.length || matchesText(entry, words);
    }

    function updateCounts(keys, words) {
      Object.keys(selects).forEach(function (name) {
        var counts = {}, total = 0;
        cards.forEach(function (entry) {
          if (!passes(entry, keys, words, name)) return;
          total += 1;
          entry.values[name].forEach(function (value) { counts[value] = (counts[value] || 0) + 1; });
        });
        Array.prototype.forEach.call(selects[name].options, function (option) {
          var label = option.dataset.label;
          if (label === undefined) return;
          var count = counts[optionKey(name, option)] || 0;
          option.textContent = label + " (" + count + ")";
          option.disabled = count === 0 && !option.selected;
        });
        selects[name].options[0].textContent = selects[name].options[0].textContent.replace(/ \(\d+\)$/, "") + " (" + total + ")";
      });
    }

    function saveState() {
      var url = new URL(window.location.href);
      var set = function (name, value) {
        if (value) url.searchParams.set(name, value); else url.searchParams.delete(name);
      };
      set("q", query.value.trim());
      Object.keys(selects).forEach(function (name) { set(name, selects[name].value); });
      set("sort", sortKey === "title" ? "" : sortKey);
      history.replaceState(null, "", url);
    }

    function apply() {
      var words = fold(query.value).split(/\s+/).filter(Boolean);
      var keys = {};
      FACETS.forEach(function (name) { keys[name] = chosen(name); });
      var shown = 0;
      cards.forEach(function (entry) {
        var pass = passes(entry, keys, words, null);
        if (pass !== entry.shown) { entry.card.hidden = !pass; entry.shown = pass; }
        if (pass) shown += 1;
      });
      updateCounts(keys, words);
      var filtered = shown !== cards.length;
      status.textContent = filtered
        ? "Showing " + shown + " of " + cards.length + " papers."
        : cards.length + " papers.";
      empty.hidden = shown > 0;
      actions.hidden = shown === 0;
      saveState();
    }

    function sortCards(key) {
      sortKey = key === "added" ? "added" : "title";
      sortButtons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.sort === sortKey)); });
      var sorted = cards.slice().sort(function (a, b) {
        if (sortKey === "added" && a.added !== b.added) return a.added < b.added ? 1 : -1;
        return collator.compare(a.title, b.title) || a.order - b.order;
      });
      if (sorted.every(function (entry, i) { return entry === cards[i]; })) return;
      list.textContent = "";  /* detach all at once: removing cards one by one is O(n^2) in Chromium */
      var fragment = document.createDocumentFragment();
      sorted.forEach(function (entry) { fragment.appendChild(entry.card); });
      list.appendChild(fragment);
      cards = sorted;
    }

    function restore() {
      var params = new URLSearchParams(window.location.search);
      query.value = params.get("q") || "";
      Object.keys(selects).forEach(function (name) {
        var value = params.get(name) || "";
        var known = Array.prototype.some.call(selects[name].options, function (o) { return o.value === value; });
        selects[name].value = known ? value : "";
      });
      sortCards(params.get("sort"));
      apply();
    }

    var typing = null;
    query.addEventListener("input", function () {
      clearTimeout(typing);
      typing = setTimeout(apply, cards.length > 2000 ? 120 : 0);
    });
    Object.keys(selects).forEach(function (name) { selects[name].addEventListener("change", apply); });
    form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
    document.getElementById("facet-clear").addEventListener("click", function () {
      query.value = "";
      Object.keys(selects).forEach(function (name) { selects[name].value = ""; });
      apply();
      query.focus();
    });
    sortButtons.forEach(function (button) {
      button.addEventListener("click", function () { sortCards(button.dataset.sort); saveState(); });
    });
    setupExport(function () { return cards.filter(function (e) { return e.shown; }); });
    form.hidden = false;
    restore();
  }

  /* Download the shown papers' BibTeX entries (written at build time) as one .bib file. */
  function setupExport(shownCards) {
    var button = document.getElementById("facet-export");
    var note = document.getElementById("facet-export-status");
    var entries = null;
    button.addEventListener("click", function () {
      var load = entries
        ? Promise.resolve(entries)
        : fetch(button.dataset.src).then(function (r) {
            if (!r.ok) throw new Error("HTTP " + r.status);
            return r.json();
          });
      load.then(function (loaded) {
        entries = loaded;
        var shown = shownCards();
        var text = shown.map(function (e) { return entries[e.id] || ""; }).filter(Boolean).join("\n");
        var link = document.createElement("a");
        link.href = URL.createObjectURL(new Blob([text], { type: "application/x-bibtex;charset=utf-8" }));
        link.download = "papers.bib";
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
        note.textContent = shown.length + " entr" + (shown.length === 1 ? "y" : "ies") + " downloaded as papers.bib.";
      }).catch(function () {
        note.textContent = "The BibTeX entries could not be loaded; try again.";
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setupFacets);
  else setupFacets();
})();
