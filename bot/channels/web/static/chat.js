/* Guichet web chat, progressive enhancement: posts in the background and polls for new messages (staff included).
   Without this file, every form is a plain POST followed by a redirect to the page. */
(function () {
  "use strict";
  var log = document.getElementById("journal");
  if (!log || !window.fetch || !window.URLSearchParams) { return; }
  var busy = false;

  function newKey() {
    var a = new Uint8Array(12);
    window.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function lastId() {
    var items = log.querySelectorAll("[data-id]");
    return items.length ? items[items.length - 1].getAttribute("data-id") : "0";
  }
  function setCsrf(value) {
    if (!value) { return; }
    document.querySelectorAll("input[name=csrf]").forEach(function (i) { i.value = value; });
  }
  function append(html) {
    if (!html) { return; }
    var box = document.createElement("div");
    box.innerHTML = html; /* a fragment rendered (and escaped) by the server */
    var items = box.querySelectorAll("[data-id]");
    var replacesChoices = box.querySelector("form.choices, [data-author=person]");
    if (replacesChoices) { log.querySelectorAll("form.choices").forEach(function (f) { f.remove(); }); }
    items.forEach(function (item) {
      if (!log.querySelector('[data-id="' + item.getAttribute("data-id") + '"]')) { log.appendChild(item); }
    });
    if (items.length) { items[items.length - 1].scrollIntoView({ block: "end" }); }
  }
  function send(form, submitter) {
    if (busy) { return; }
    var params = new URLSearchParams();
    form.querySelectorAll("input[type=hidden], textarea").forEach(function (f) { params.set(f.name, f.value); });
    if (submitter && submitter.name) { params.set(submitter.name, submitter.value); }
    params.set("after", lastId());
    var text = form.querySelector("textarea");
    if (text && !text.value.trim()) { return; }
    busy = true;
    fetch("/message", {
      method: "POST", credentials: "same-origin", body: params.toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Requested-With": "fetch" }
    }).then(function (r) {
      if (!r.ok) { window.location.assign("/"); return ""; }
      setCsrf(r.headers.get("X-Csrf"));
      return r.text();
    }).then(function (html) {
      append(html);
      if (text) { text.value = ""; }
      var first = log.querySelector("form.choices button");
      (first || document.getElementById("saisie")).focus();
    }).catch(function () { window.location.assign("/"); })
      .finally(function () {
        busy = false;
        document.querySelectorAll("input[name=key]").forEach(function (i) { i.value = newKey(); });
      });
  }
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.getAttribute("action") !== "/message") { return; }
    e.preventDefault();
    send(form, e.submitter);
  });
  var field = document.getElementById("saisie");
  if (field) {
    field.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); send(field.form, null); }
    });
  }
  function poll() {
    if (busy || document.hidden) { return; }
    fetch("/messages?after=" + encodeURIComponent(lastId()), { credentials: "same-origin" })
      .then(function (r) { return r.status === 200 ? r.text() : ""; })
      .then(append).catch(function () {});
  }
  window.setInterval(poll, 4000);
  if (log.lastElementChild) { log.lastElementChild.scrollIntoView({ block: "end" }); }
}());
