/*
 * The message box on the request page: a textarea with
 * [data-char-counter="<id of the counter>"] shows how many characters are
 * written out of how many are allowed, in the page's own words
 * (data-i18n-count, with {n}). Without JavaScript the limit is stated.
 */
(function () {
  "use strict";

  document.querySelectorAll("textarea[data-char-counter]").forEach(function (box) {
    var counter = document.getElementById(box.dataset.charCounter);
    if (!counter) return;
    var max = parseInt(counter.dataset.max, 10) || 0;
    var template = counter.dataset.i18nCount || "{n}";

    function update() {
      // Characters as the server counts them, not UTF-16 units.
      var used = Array.from(box.value.trim()).length;
      counter.textContent = template.replace("{n}", String(used));
      counter.classList.toggle("is-over", max > 0 && used > max);
    }

    box.addEventListener("input", update);
    update();
  });
})();
