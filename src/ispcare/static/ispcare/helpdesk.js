/* Staff ticket pages: keyboard shortcuts on the list (j/k move, x select, a assign,
   / search, Enter open, ? help), the selected count, and the complaint fields of the
   new-ticket form shown only for complaints. Plain JS, no build step. */
(function () {
  "use strict";

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function toggleHelp(show) {
    var help = document.getElementById("kbd-help");
    if (!help) return;
    help.hidden = show === undefined ? !help.hidden : !show;
    if (!help.hidden) help.scrollIntoView({ block: "nearest" });
  }

  function setupList() {
    var table = document.querySelector("[data-ticket-list]");
    var rows = table ? Array.prototype.slice.call(table.querySelectorAll("[data-row]")) : [];
    var current = -1;
    var counter = document.querySelector("[data-selected-count]");
    var counterText = counter ? counter.textContent : "";

    function boxes() {
      return rows.map(function (r) { return r.querySelector("input[type=checkbox]"); })
        .filter(Boolean);
    }

    function updateCount() {
      if (!counter) return;
      var n = boxes().filter(function (b) { return b.checked; }).length;
      counter.textContent = n ? counter.dataset.selectedLabel + ": " + n : counterText;
      rows.forEach(function (r) {
        var b = r.querySelector("input[type=checkbox]");
        r.classList.toggle("is-selected", !!(b && b.checked));
      });
    }

    function move(to) {
      if (!rows.length) return;
      current = Math.max(0, Math.min(rows.length - 1, to));
      rows.forEach(function (r, i) { r.classList.toggle("kbd-current", i === current); });
      rows[current].scrollIntoView({ block: "nearest" });
    }

    boxes().forEach(function (b) { b.addEventListener("change", updateCount); });

    document.querySelectorAll("[data-help-toggle]").forEach(function (b) {
      b.addEventListener("click", function () { toggleHelp(); });
    });

    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (typing(e.target)) {
        if (e.key === "Escape") e.target.blur();
        return;
      }
      var key = e.key;
      if (key === "?") { toggleHelp(); e.preventDefault(); return; }
      if (key === "Escape") { toggleHelp(false); return; }
      if (key === "/") {
        var search = document.querySelector("[data-search]");
        if (search) { search.focus(); search.select(); e.preventDefault(); }
        return;
      }
      if (!rows.length) return;
      if (key === "j") { move(current + 1); e.preventDefault(); }
      else if (key === "k") { move(current - 1); e.preventDefault(); }
      else if (key === "x" && current >= 0) {
        var box = rows[current].querySelector("input[type=checkbox]");
        if (box) { box.checked = !box.checked; updateCount(); }
        e.preventDefault();
      } else if (key === "Enter" && current >= 0) {
        window.location.href = rows[current].dataset.href;
        e.preventDefault();
      } else if (key === "a") {
        var select = document.querySelector("[data-bulk-assignee]");
        if (select) { select.focus(); select.scrollIntoView({ block: "nearest" }); e.preventDefault(); }
      }
    });
  }

  function setupKindFields() {
    var sets = document.querySelectorAll("[data-show-for-kind]");
    var kind = document.querySelector("select[name=kind]");
    if (!sets.length || !kind) return;
    function apply() {
      sets.forEach(function (s) { s.hidden = kind.value !== s.dataset.showForKind; });
    }
    kind.addEventListener("change", apply);
    apply();
  }

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () { setupList(); setupKindFields(); });
})();
