// Posts in place: what htmx (vendored) does not do on its own for the timeline,
// the composer and the post actions. Every page works without this file.
"use strict";

(function () {
  function byId(id) { return document.getElementById(id); }

  // The CSP refuses style attributes, so htmx must not copy them while settling.
  if (window.htmx) htmx.config.attributesToSettle = ["class", "width", "height"];

  // A refused htmx form comes back with a 4xx that names where it goes
  // (HX-Retarget): swap it in place, with its errors, instead of dropping it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && xhr.status < 500 && xhr.getResponseHeader("HX-Retarget")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Any other refusal of an in-place action: say what the server said.
  function toast(message) {
    var box = byId("toasts");
    if (!box) {
      box = document.createElement("div");
      box.id = "toasts";
      box.className = "toasts";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    var item = document.createElement("p");
    item.className = "toast";
    item.textContent = message;
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 6000);
  }
  document.addEventListener("htmx:responseError", function (event) {
    var text = event.detail.xhr.responseText || "";
    var page = new DOMParser().parseFromString(text, "text/html");
    var heading = page.querySelector(".error-page h1") || page.querySelector("h1");
    if (heading) toast(heading.textContent.trim());
  });

  // New posts (server-sent) wait in #incoming behind a button, so nothing moves
  // under a reader's eyes; the button says how many, politely announced.
  function pending() {
    var incoming = byId("incoming"), timeline = byId("timeline");
    if (!incoming || !timeline) return;
    Array.prototype.slice.call(incoming.children).forEach(function (card) {
      if (card.id && timeline.querySelector("#" + CSS.escape(card.id))) card.remove();
    });
    var count = incoming.children.length;
    var button = byId("show-new");
    byId("new-count").textContent = String(count);
    button.hidden = count === 0;
  }
  function reveal() {
    var incoming = byId("incoming"), timeline = byId("timeline");
    var cards = Array.prototype.slice.call(incoming.children);
    if (!cards.length) return;
    var first = timeline.firstElementChild;
    cards.forEach(function (card) { timeline.insertBefore(card, first); });
    pending();
    cards[0].focus({ preventScroll: true });
    cards[0].scrollIntoView({ block: "start", behavior: "smooth" });
  }
  document.addEventListener("htmx:sseMessage", pending);
  // A deleted or edited post that is not on this page: nothing to do.
  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    var name = event.detail.type;
    if (name !== "gone" && name !== "edited") return;
    var found = /id="([^"]+)"/.exec(event.detail.data || "");
    if (!found || !byId(found[1])) event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("#show-new")) reveal();
    var dismiss = event.target.closest("[data-dismiss]");
    if (dismiss) {
      var form = byId(dismiss.dataset.dismiss);
      var post = form && form.closest(".post");
      if (form) form.remove();
      var link = post && post.querySelector(".post-actions a.action");
      if (link) link.focus();
    }
  });

  // An update from elsewhere never replaces something being typed.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var typing = event.detail.target.querySelector("textarea");
    if (typing && typing.value.trim() && !typing.closest(".composer")) {
      event.detail.shouldSwap = false;
    }
  });
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    imageSlots(event.detail.target);  // app.js counts characters (htmx:load)
  });

  // After "Older posts", focus the first post that came in; after a reply or an
  // edit, the post it made.
  document.addEventListener("htmx:afterSettle", function (event) {
    var first = document.querySelector(".post.loaded");
    if (first) {
      first.focus({ preventScroll: true });
      document.querySelectorAll(".post.loaded").forEach(function (p) { p.classList.remove("loaded"); });
    }
    var made = document.querySelector(".post.just-posted");
    if (made) {
      made.classList.remove("just-posted");
      made.classList.add("new-post");
      if (!made.closest("#timeline")) made.focus({ preventScroll: true });
    }
    imageSlots(event.detail.elt || document);
    // A form that came in place of a post (reply, edit): straight to its text.
    var field = document.querySelector(".reply-slot [autofocus], .post.editing [autofocus]");
    if (field && !field.dataset.focused) {
      field.dataset.focused = "1";
      field.focus();
    }
  });

  // Image slots: one empty slot shown at a time; a file too large is refused
  // before it is sent (the server says so too).
  function imageSlots(root) {
    var slots = root.querySelectorAll ? root.querySelectorAll(".image-slot") : [];
    var shownEmpty = false;
    slots.forEach(function (slot) {
      var input = slot.querySelector("input[type=file]");
      var empty = input && !input.files.length && !slot.querySelector("[aria-invalid]");
      var described = slot.querySelector("input[type=text]");
      if (empty && described && described.value) empty = false;
      slot.hidden = empty && shownEmpty;
      if (empty) shownEmpty = true;
    });
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(".image-slot input[type=file]")) return;
    var max = parseInt(input.dataset.maxBytes || "0", 10);
    var file = input.files[0];
    input.setCustomValidity(file && max && file.size > max ? input.dataset.tooLarge : "");
    input.reportValidity();
    imageSlots(input.closest("form"));
  });

  document.addEventListener("DOMContentLoaded", function () {
    imageSlots(document);
    pending();
  });
})();
