/* Small page behaviours: the theme toggle and sorting the all-papers list. No framework. */
(function () {
  "use strict";

  function currentTheme() {
    var chosen = document.documentElement.dataset.theme;
    if (chosen) return chosen;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function setupThemeToggle() {
    var button = document.getElementById("theme-toggle");
    if (!button) return;
    var sync = function () { button.setAttribute("aria-pressed", String(currentTheme() === "dark")); };
    sync();
    button.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      document.documentElement.dataset.theme = next;
      try { localStorage.setItem("surveysite-theme", next); } catch (e) { /* not remembered */ }
      sync();
    });
    if (window.matchMedia) {
      var query = window.matchMedia("(prefers-color-scheme: dark)");
      if (query.addEventListener) query.addEventListener("change", sync);
    }
  }

  function sortPapers(list, key) {
    var items = Array.prototype.slice.call(list.children);
    items.sort(function (a, b) {
      if (key === "added") {
        var byDate = (b.dataset.added || "").localeCompare(a.dataset.added || "");
        if (byDate !== 0) return byDate;
      }
      return a.dataset.title.localeCompare(b.dataset.title);
    });
    var fragment = document.createDocumentFragment();
    items.forEach(function (item) { fragment.appendChild(item); });
    list.appendChild(fragment);
  }

  function setupSorting() {
    var list = document.getElementById("all-papers");
    if (!list) return;
    var buttons = document.querySelectorAll(".sort-button");
    var apply = function (key, push) {
      sortPapers(list, key);
      buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.sort === key)); });
      if (push) {
        var url = new URL(window.location.href);
        if (key === "title") url.searchParams.delete("sort"); else url.searchParams.set("sort", key);
        history.replaceState(null, "", url);
      }
    };
    buttons.forEach(function (button) {
      button.addEventListener("click", function () { apply(button.dataset.sort, true); });
    });
    var initial = new URLSearchParams(window.location.search).get("sort");
    if (initial === "added") apply("added", false);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupThemeToggle();
    setupSorting();
  });
})();
