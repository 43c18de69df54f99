/*
 * Finance's pages, progressively enhanced: a link with [data-open-dialog]
 * opens its <dialog> to confirm in place instead of going to the
 * confirmation page (which is what happens without JavaScript).
 */
(function () {
  "use strict";

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-open-dialog]"), function (link) {
      var dialog = document.getElementById(link.getAttribute("data-open-dialog"));
      if (!dialog || typeof dialog.showModal !== "function") return;
      link.addEventListener("click", function (event) {
        event.preventDefault();
        dialog.showModal();
        var confirm = dialog.querySelector("button[type=submit]");
        if (confirm) confirm.focus();
      });
      Array.prototype.forEach.call(dialog.querySelectorAll("[data-close-dialog]"), function (button) {
        button.addEventListener("click", function () {
          dialog.close();
          link.focus();
        });
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
