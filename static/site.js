/* Small page behaviours: the theme toggle (sorting and filtering all papers: facets.js). No framework. */
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

  document.addEventListener("DOMContentLoaded", function () {
    setupThemeToggle();
  });
})();
