// Warmline's own few lines of JavaScript. Every page works without them;
// htmx (vendored) does the in-place actions and live updates.
"use strict";

(function () {
  // A refused form: move focus to the summary of what to fix.
  function focusErrors() {
    var summary = document.getElementById("form-errors");
    if (summary) summary.focus();
  }

  // Menus (<details class="menu">) close on Escape or a click elsewhere.
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details.menu"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("details.menu[open]");
    if (open) {
      open.removeAttribute("open");
      open.querySelector("summary").focus();
    }
  });

  // Characters left, under a textarea with data-limit.
  function counters(root) {
    root.querySelectorAll("textarea[data-limit]").forEach(function (area) {
      var out = document.getElementById(area.id + "-left");
      if (!out || area.dataset.counted) return;
      area.dataset.counted = "1";
      var limit = parseInt(area.dataset.limit, 10);
      var update = function () {
        var left = limit - area.value.length;
        out.textContent = String(left);
        out.classList.toggle("over", left < 0);
      };
      area.addEventListener("input", update);
      update();
    });
  }

  // Buttons that copy a text (an invite link) to the clipboard.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) return;
    navigator.clipboard.writeText(button.dataset.copy).then(function () {
      var label = button.querySelector("span") || button;
      var before = label.textContent;
      label.textContent = button.dataset.copied || "Copied";
      setTimeout(function () { label.textContent = before; }, 1500);
    });
  });

  // A new event's time zone: the browser's own, unless the organiser chose one.
  function browserZone(root) {
    var field = root.querySelector("input[data-browser-zone]");
    var zone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (field && zone && field.value === "UTC") field.value = zone;
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrors();
    counters(document);
    browserZone(document);
  });
  // Every element htmx adds (swapped, out of band, or server-sent) gets its counters.
  document.addEventListener("htmx:load", function (event) {
    counters(event.detail.elt);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var field = event.detail.elt.querySelector("[autofocus]");
    if (field) field.focus();
  });
})();
