/* The console's keyboard shortcuts and small helpers (issue 26). No framework; progressive: every action also works
   without it. j / k: next / previous row; o or Enter: open it; x: tick it; /: the search box. A reply template fills
   the textarea it names. */
(function () {
  "use strict";
  var current = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.guichet-row")); }
  function focusRow(i) {
    var all = rows();
    if (!all.length) { return; }
    current = Math.max(0, Math.min(all.length - 1, i));
    all.forEach(function (r, k) { r.classList.toggle("guichet-current", k === current); });
    var link = all[current].querySelector("a");
    if (link) { link.focus(); }
  }
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
    if (e.key === "Escape" && typing && t.blur) { t.blur(); return; }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (e.key === "/") {
      var q = document.getElementById("q");
      if (q) { e.preventDefault(); q.focus(); q.select(); }
    } else if (e.key === "j") {
      focusRow(current + 1);
    } else if (e.key === "k") {
      focusRow(current - 1);
    } else if (e.key === "o" || (e.key === "Enter" && current >= 0 && t.tagName !== "A" && t.tagName !== "BUTTON")) {
      var r = rows()[current];
      if (r && r.dataset.href) { window.location.href = r.dataset.href; }
    } else if (e.key === "x") {
      var row = rows()[current];
      var box = row && row.querySelector("input[type=checkbox]");
      if (box) { box.checked = !box.checked; }
    }
  });
  document.addEventListener("change", function (e) {
    var s = e.target;
    if (s && s.classList && s.classList.contains("guichet-template") && s.value) {
      var area = document.getElementById(s.dataset.target);
      if (area) { area.value = s.value; area.focus(); }
    }
  });
  document.addEventListener("submit", function (e) {
    var f = e.target, b = e.submitter;
    var message = (b && b.dataset && b.dataset.confirm) || (f.dataset && f.dataset.confirm);
    if (message && !window.confirm(message)) { e.preventDefault(); }
  });
})();
