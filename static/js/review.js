/*
 * The review pages, progressively enhanced:
 * - SLA badges ([data-sla]) count down every second and change colour
 *   (green, amber from the warn fraction of the review window, red when
 *   overdue); the server renders the same state, so the page is right
 *   without JavaScript too;
 * - the common notes list ([data-note-template]) fills the note (the
 *   questions for the customer work the same way);
 * - the conversation ([data-thread]) opens scrolled to its newest message.
 * The words come from the page ([data-sla-clock] data-i18n-*), translated.
 */
(function () {
  "use strict";

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function clockText(seconds) {
    var whole = Math.floor(Math.abs(seconds));
    return Math.floor(whole / 3600) + ":" + pad(Math.floor((whole % 3600) / 60)) + ":" + pad(whole % 60);
  }

  function fill(template, time) {
    return String(template || "").replace("{time}", time);
  }

  function startSlaClock() {
    var config = document.querySelector("[data-sla-clock]");
    var badges = document.querySelectorAll("[data-sla]");
    if (!config || !badges.length) return;
    var serverNow = Date.parse(config.getAttribute("data-now"));
    // Count from the server's clock, not the machine's, which may be off.
    var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
    // The page always says when to warn (refunds/sla.py); without it, never.
    var warnFraction = parseFloat(config.getAttribute("data-warn-fraction"));
    if (isNaN(warnFraction)) warnFraction = 1;
    var words = {
      left: config.getAttribute("data-i18n-left"),
      overdue: config.getAttribute("data-i18n-overdue"),
      ok: config.getAttribute("data-i18n-ok"),
      warn: config.getAttribute("data-i18n-warn"),
      breached: config.getAttribute("data-i18n-breached")
    };

    function update() {
      var now = Date.now() + skew;
      Array.prototype.forEach.call(badges, function (badge) {
        var start = Date.parse(badge.getAttribute("data-created-at"));
        var due = Date.parse(badge.getAttribute("data-due-at"));
        if (isNaN(start) || isNaN(due)) return;
        var state = "ok";
        if (now >= due) state = "breached";
        else if (due - start <= 0 || now - start >= (due - start) * warnFraction) state = "warn";
        var remaining = (due - now) / 1000;
        badge.className = badge.className.replace(/\bsla-(ok|warn|breached)\b/, "sla-" + state);
        var stateEl = badge.querySelector("[data-sla-state]");
        var countdown = badge.querySelector("[data-sla-countdown]");
        if (stateEl && stateEl.textContent !== words[state]) stateEl.textContent = words[state];
        if (countdown) {
          countdown.textContent = fill(state === "breached" ? words.overdue : words.left, clockText(remaining));
        }
        badge.setAttribute("data-sla-state-now", state);
      });
    }

    update();
    window.setInterval(update, 1000);
  }

  function wireNoteTemplates() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-note-template]"), function (select) {
      var form = select.form;
      var note = form && form.querySelector("[data-note]");
      if (!note) return;
      select.addEventListener("change", function () {
        var option = select.options[select.selectedIndex];
        if (option && option.value) {
          note.value = option.textContent.trim();
          note.focus();
        }
      });
    });
  }

  function scrollThreadsToNewest() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-thread]"), function (thread) {
      thread.scrollTop = thread.scrollHeight;
    });
  }

  function start() {
    startSlaClock();
    wireNoteTemplates();
    scrollThreadsToNewest();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
