/* The survey map: filter to a topic, a title on hover or focus, arrow keys between points,
   and a list view built from the same points. The map itself is SVG written at build time. */
(function () {
  "use strict";

  var KEYS = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1] };

  function readPoints(svg) {
    return Array.prototype.map.call(svg.querySelectorAll("a"), function (link) {
      var circle = link.querySelector("circle");
      return {
        link: link,
        x: Number(circle.getAttribute("cx")),
        y: Number(circle.getAttribute("cy")),
        topics: (link.getAttribute("data-t") || "").split(" ").filter(Boolean),
        main: link.getAttribute("data-m") || "",
        title: link.querySelector("title").textContent,
        shown: true,
        item: null
      };
    });
  }

  function topicNames(select) {
    var names = {};
    Array.prototype.forEach.call(select.options, function (option) {
      if (option.dataset.n) names[option.dataset.n] = option.dataset.title;
    });
    return names;
  }

  /* The nearest shown point in an arrow's direction, preferring points straight ahead. */
  function nextPoint(points, from, dx, dy) {
    var best = null, bestScore = Infinity;
    points.forEach(function (p) {
      if (!p.shown || p === from) return;
      var ahead = (p.x - from.x) * dx + (p.y - from.y) * dy;
      if (ahead <= 0) return;
      var aside = Math.abs((p.x - from.x) * dy - (p.y - from.y) * dx);
      var score = ahead + 2 * aside;
      if (score < bestScore) { bestScore = score; best = p; }
    });
    return best;
  }

  function setup() {
    var svg = document.getElementById("survey-map");
    var select = document.getElementById("map-topic");
    if (!svg || !select) return;
    var tools = document.getElementById("map-tools");
    var figure = document.getElementById("map-figure");
    var canvas = svg.parentNode;
    var tip = document.getElementById("map-tip");
    var status = document.getElementById("map-status");
    var listBox = document.getElementById("map-list");
    var viewButtons = tools.querySelectorAll("[data-view]");
    var legendButtons = document.querySelectorAll(".legend-item[data-topic]");
    var points = readPoints(svg);
    var byLink = new Map(points.map(function (p) { return [p.link, p]; }));
    var names = topicNames(select);
    var current = null;
    var view = "map";

    function pointOf(target) {
      var link = target && target.closest ? target.closest("a") : null;
      return link ? byLink.get(link) : undefined;
    }

    function showTip(point) {
      tip.textContent = "";
      var title = document.createElement("strong");
      title.textContent = point.title;
      tip.appendChild(title);
      if (point.main && names[point.main]) {
        var topic = document.createElement("span");
        topic.textContent = names[point.main];
        tip.appendChild(topic);
      }
      tip.hidden = false;
      var box = canvas.getBoundingClientRect();
      var dot = point.link.querySelector("circle").getBoundingClientRect();
      var x = dot.left + dot.width / 2 - box.left;
      var half = tip.offsetWidth / 2;
      tip.style.left = Math.min(Math.max(x, half), box.width - half) + "px";
      tip.style.top = dot.top - box.top + "px";
      tip.classList.toggle("map-tip-below", dot.top - box.top < tip.offsetHeight + 12);
      if (tip.classList.contains("map-tip-below")) tip.style.top = dot.bottom - box.top + "px";
    }

    function hideTip() { tip.hidden = true; }

    function makeCurrent(point, focus) {
      if (current) current.link.setAttribute("tabindex", "-1");
      current = point;
      if (!point) return;
      point.link.setAttribute("tabindex", "0");
      if (focus) point.link.focus();
    }

    function firstShown() {
      for (var i = 0; i < points.length; i++) if (points[i].shown) return points[i];
      return null;
    }

    function buildList() {
      var groups = {}, order = [];
      points.forEach(function (p) {
        if (!groups[p.main]) { groups[p.main] = []; order.push(p.main); }
        groups[p.main].push(p);
      });
      order.sort(function (a, b) { return (a === "" ? 1e9 : Number(a)) - (b === "" ? 1e9 : Number(b)); });
      order.forEach(function (main) {
        var section = document.createElement("section");
        var heading = document.createElement("h2");
        heading.textContent = main === "" ? "No topic yet" : names[main];
        var list = document.createElement("ul");
        groups[main].slice().sort(function (a, b) { return a.title.localeCompare(b.title); }).forEach(function (p) {
          var item = document.createElement("li");
          var link = document.createElement("a");
          link.href = p.link.getAttribute("href");
          link.textContent = p.title;
          item.appendChild(link);
          list.appendChild(item);
          p.item = item;
        });
        section.appendChild(heading);
        section.appendChild(list);
        listBox.appendChild(section);
      });
    }

    function syncListSections() {
      Array.prototype.forEach.call(listBox.children, function (section) {
        section.hidden = !section.querySelector("li:not([hidden])");
      });
    }

    function saveState(slug) {
      var url = new URL(window.location.href);
      if (slug) url.searchParams.set("topic", slug); else url.searchParams.delete("topic");
      if (view === "list") url.searchParams.set("view", "list"); else url.searchParams.delete("view");
      history.replaceState(null, "", url);
    }

    function filter(slug) {
      var option = slug ? select.querySelector('option[value="' + CSS.escape(slug) + '"]') : null;
      if (slug && !option) slug = "";
      select.value = slug;
      var number = option ? option.dataset.n : null;
      var count = 0;
      points.forEach(function (p) {
        p.shown = number === null || p.topics.indexOf(number) !== -1;
        p.link.classList.toggle("is-out", !p.shown);
        if (p.shown) { p.link.removeAttribute("aria-hidden"); count += 1; }
        else p.link.setAttribute("aria-hidden", "true");
        if (p.item) p.item.hidden = !p.shown;
      });
      svg.classList.toggle("is-filtered", number !== null);
      if (listBox.children.length) syncListSections();
      legendButtons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.topic === slug)); });
      if (!current || !current.shown) makeCurrent(firstShown(), false);
      status.textContent = number === null
        ? points.length + " papers"
        : count + " of " + points.length + " papers in " + option.dataset.title;
      saveState(slug);
    }

    function showView(name) {
      view = name === "list" ? "list" : "map";
      if (view === "list" && !listBox.children.length) { buildList(); filter(select.value); }
      figure.hidden = view === "list";
      listBox.hidden = view !== "list";
      viewButtons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.view === view)); });
      saveState(select.value);
    }

    points.forEach(function (p) { p.link.setAttribute("tabindex", "-1"); });
    svg.addEventListener("pointerover", function (event) { var p = pointOf(event.target); if (p) showTip(p); });
    svg.addEventListener("pointerout", function (event) {
      if (pointOf(event.target) && document.activeElement !== pointOf(event.target).link) hideTip();
    });
    svg.addEventListener("focusin", function (event) {
      var p = pointOf(event.target);
      if (p) { makeCurrent(p, false); showTip(p); }
    });
    svg.addEventListener("focusout", hideTip);
    svg.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { hideTip(); return; }
      var step = KEYS[event.key];
      if (!step || !current) return;
      event.preventDefault();
      var next = nextPoint(points, current, step[0], step[1]);
      if (next) makeCurrent(next, true);
    });
    select.addEventListener("change", function () { filter(select.value); });
    legendButtons.forEach(function (button) {
      button.addEventListener("click", function () {
        filter(button.getAttribute("aria-pressed") === "true" ? "" : button.dataset.topic);
      });
    });
    viewButtons.forEach(function (button) {
      button.addEventListener("click", function () { showView(button.dataset.view); });
    });
    window.addEventListener("resize", hideTip);

    var params = new URLSearchParams(window.location.search);
    tools.hidden = false;
    filter(params.get("topic") || "");
    if (params.get("view") === "list") showView("list");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
