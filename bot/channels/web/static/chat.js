/* Guichet web chat, progressive enhancement: posts in the background and polls for new messages (staff included).
   Without this file, every form is a plain POST followed by a redirect to the page.
   Focus stays where the person is (issue 22): a reply is announced by the live log (role="log"), never by moving
   focus, so a phone's keyboard stays open after typing and a screen reader keeps its place after a button. */
(function () {
  "use strict";
  var log = document.getElementById("journal");
  var composer = document.getElementById("saisie-form");
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
  /* The composer asks for what the guichet asked: a message, an e-mail address or the e-mail code. Focus follows
     only when it was in the field being replaced (the person was typing: the keyboard stays open). */
  function setComposer(mode) {
    if (!composer || !mode || composer.getAttribute("data-mode") === mode) { return; }
    var active = document.activeElement, refocus = null;
    composer.querySelectorAll(".field").forEach(function (box) {
      var on = box.getAttribute("data-for") === mode;
      var input = box.querySelector("textarea, input");
      box.hidden = !on;
      input.disabled = !on;
      if (on) { refocus = input; } else if (input === active) { input.value = ""; active = "moved"; }
    });
    composer.setAttribute("data-mode", mode);
    if (active === "moved" && refocus) { refocus.focus(); }
  }
  /* Choices already answered: a pressed button says so in words; a form that holds the focus stays (inert) until
     the person moves on, so focus never falls back to the top of the page. */
  function retire(form, pressed) {
    if (pressed && !pressed.querySelector(".chosen")) {
      var tag = document.createElement("span");
      tag.className = "chosen";
      tag.textContent = " (" + (log.getAttribute("data-chosen") || "choisi") + ")";
      pressed.appendChild(tag);
    }
    if (form.contains(document.activeElement)) {
      form.classList.add("answered");
      form.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
      form.addEventListener("focusout", function () {
        window.setTimeout(function () { if (!form.contains(document.activeElement)) { form.remove(); } }, 0);
      });
    } else {
      form.remove();
    }
  }
  var lastPressed = null;
  function append(html) {
    if (!html) { return; }
    var box = document.createElement("div");
    box.innerHTML = html; /* a fragment rendered (and escaped) by the server */
    var items = box.querySelectorAll("[data-id]");
    var replacesChoices = box.querySelector("form.choices, [data-author=person]");
    if (replacesChoices) {
      log.querySelectorAll("form.choices:not(.answered)").forEach(function (f) {
        retire(f, lastPressed && f.contains(lastPressed) ? lastPressed : null);
      });
      lastPressed = null;
    }
    var first = null;
    items.forEach(function (item) {
      if (!log.querySelector('[data-id="' + item.getAttribute("data-id") + '"]')) {
        log.appendChild(item);
        if (!first && item.getAttribute("data-author") !== "person") { first = item; }
      }
    });
    /* the start of the reply comes into view (a long summary is read from its top); focus does not move */
    if (first) { first.scrollIntoView({ block: "nearest" }); }
  }
  function field(form) {
    return form.querySelector("textarea:not([disabled]), input[name=text]:not([disabled])");
  }
  function send(form, submitter) {
    if (busy) { return; }
    if (form.classList.contains("answered")) { return; }
    var params = new URLSearchParams();
    form.querySelectorAll("input[type=hidden]").forEach(function (f) { params.set(f.name, f.value); });
    var text = field(form);
    if (text) { params.set(text.name, text.value); }
    if (submitter && submitter.name) { params.set(submitter.name, submitter.value); }
    params.set("after", lastId());
    if (text && !(submitter && submitter.name) && !text.value.trim()) { return; }
    if (text && text.pattern && !(submitter && submitter.name) && !text.checkValidity()) {
      text.reportValidity();
      return;
    }
    busy = true;
    lastPressed = submitter && form.classList.contains("choices") ? submitter : null;
    fetch("/message", {
      method: "POST", credentials: "same-origin", body: params.toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Requested-With": "fetch" }
    }).then(function (r) {
      if (!r.ok) { window.location.assign("/"); return ""; }
      setCsrf(r.headers.get("X-Csrf"));
      setComposer(r.headers.get("X-Composer"));
      return r.text();
    }).then(function (html) {
      append(html);
      if (text) { text.value = ""; }
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
  var area = document.getElementById("saisie");
  if (area) {
    area.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); send(area.form, null); }
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
