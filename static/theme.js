/* Apply the reader's remembered colour theme before the page paints (no inline script, CSP-safe). */
(function () {
  try {
    var theme = localStorage.getItem("surveysite-theme");
    if (theme === "dark" || theme === "light") document.documentElement.dataset.theme = theme;
  } catch (e) { /* storage blocked: follow the system setting */ }
})();
