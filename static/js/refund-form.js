/*
 * The customer's refund pages, progressively enhanced:
 * - photo uploaders ([data-photo-uploader]) send each photo to the evidence
 *   API at once, keep its id in a hidden input and show a preview;
 * - the request form ([data-refund-form]) asks the preview API what filing
 *   would decide, whenever the reason, items or photos change;
 * - forms with [data-confirm] ask before they are sent.
 * Every sentence shown comes from the page (data-i18n-* attributes), already
 * translated. Without JavaScript the forms post photos as plain files.
 */
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : all;
    });
  }

  function toCents(amount) {
    var match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(amount));
    if (!match) return 0;
    var cents = parseInt(match[2], 10) * 100 + parseInt((match[3] || "0").padEnd(2, "0"), 10);
    return match[1] ? -cents : cents;
  }

  /* ¥1,234.50, as the server's cny filter writes it. */
  function cny(amount) {
    var cents = typeof amount === "number" ? amount : toCents(amount);
    var sign = cents < 0 ? "-" : "";
    cents = Math.abs(cents);
    var whole = String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var part = String(cents % 100).padStart(2, "0");
    return sign + "¥" + whole + "." + part;
  }

  async function errorDetail(response, fallback) {
    try {
      var body = await response.json();
      return (body && body.detail) || fallback;
    } catch (ignored) {
      return fallback;
    }
  }

  /* --- Photo uploaders ----------------------------------------------------- */

  function setUpUploader(root) {
    var form = root.closest("form");
    var input = root.querySelector("[data-photo-input]");
    var list = root.querySelector("[data-photo-list]");
    var status = root.querySelector("[data-photo-status]");
    var addItem = root.querySelector("[data-photo-add]");
    var accepted = (root.dataset.accept || "").split(",");
    var maxPhotos = parseInt(root.dataset.maxPhotos, 10) || 6;
    var maxBytes = parseInt(root.dataset.maxBytes, 10) || 10485760;
    root.pending = 0;

    function tiles() {
      return list.querySelectorAll(".photo-tile");
    }

    // The native file input gives way to an "add" tile beside the previews.
    root.classList.add("is-enhanced");
    addItem.querySelector("button").addEventListener("click", function () {
      input.click();
    });

    function refreshAdd() {
      addItem.hidden = tiles().length >= maxPhotos;
    }

    function say(message, isError) {
      status.textContent = message || "";
      status.classList.toggle("is-error", Boolean(isError && message));
    }

    function changed() {
      refreshAdd();
      root.dispatchEvent(new CustomEvent("photos:changed", { bubbles: true }));
    }

    function renumber() {
      list.querySelectorAll(".photo-tile img").forEach(function (img, index) {
        img.alt = fill(root.dataset.i18nAlt, { n: index + 1 });
      });
    }

    function wireRemove(tile) {
      var button = tile.querySelector("[data-photo-remove]");
      if (!button) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var img = tile.querySelector("img");
        if (img && img.src.indexOf("blob:") === 0) URL.revokeObjectURL(img.src);
        tile.remove();
        renumber();
        say("");
        changed();
      });
    }

    function newTile(file) {
      var tile = document.createElement("li");
      tile.className = "photo-tile is-uploading";
      var img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.width = 96;
      img.height = 96;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "photo-remove";
      button.textContent = "×";
      button.hidden = true;
      button.setAttribute("data-photo-remove", "");
      button.setAttribute("aria-label", root.dataset.i18nRemove || "");
      tile.appendChild(img);
      tile.appendChild(button);
      list.insertBefore(tile, addItem);
      renumber();
      refreshAdd();
      return tile;
    }

    async function upload(file, tile) {
      var data = new FormData();
      data.append("file", file);
      root.pending += 1;
      try {
        var response = await fetch(root.dataset.uploadUrl, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
        });
        if (!response.ok) {
          throw new Error(await errorDetail(response, root.dataset.i18nFailed));
        }
        var evidence = await response.json();
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = "evidence";
        hidden.value = String(evidence.id);
        tile.appendChild(hidden);
        tile.dataset.photoId = String(evidence.id);
        tile.classList.remove("is-uploading");
        wireRemove(tile);
        return true;
      } catch (error) {
        URL.revokeObjectURL(tile.querySelector("img").src);
        tile.remove();
        renumber();
        say(error && error.message ? error.message : root.dataset.i18nFailed, true);
        return false;
      } finally {
        root.pending -= 1;
      }
    }

    tiles().forEach(wireRemove);
    refreshAdd();

    input.addEventListener("change", async function () {
      var files = Array.prototype.slice.call(input.files || []);
      // The photos go up now; the form must not send them a second time.
      input.value = "";
      if (!files.length) return;
      var problems = [];
      var uploads = [];
      files.forEach(function (file) {
        if (tiles().length >= maxPhotos) {
          if (problems.indexOf(root.dataset.i18nTooMany) < 0) problems.push(root.dataset.i18nTooMany);
          return;
        }
        if (accepted.indexOf(file.type) < 0) {
          problems.push(fill(root.dataset.i18nBadType, { name: file.name }));
          return;
        }
        if (file.size > maxBytes) {
          problems.push(fill(root.dataset.i18nTooLarge, { name: file.name }));
          return;
        }
        uploads.push(upload(file, newTile(file)));
      });
      say(problems.length ? problems.join(" ") : uploads.length ? root.dataset.i18nUploading : "", problems.length > 0);
      if (!uploads.length) return;
      var results = await Promise.all(uploads);
      if (!problems.length && results.every(Boolean)) say("");
      changed();
    });
  }

  /* --- Live preview of the decision ------------------------------------------ */

  function setUpPreview(form) {
    var box = form.querySelector("[data-preview]");
    if (!box) return;
    var placeholder = box.querySelector("[data-preview-placeholder]");
    var result = box.querySelector("[data-preview-result]");
    var outcome = box.querySelector("[data-preview-outcome]");
    var amountLabel = box.querySelector("[data-preview-amount-label]");
    var amount = box.querySelector("[data-preview-amount]");
    var message = box.querySelector("[data-preview-message]");
    var breakdown = box.querySelector("[data-preview-breakdown]");
    var tbody = breakdown.querySelector("tbody");
    var total = breakdown.querySelector("[data-total]");
    var approvedTotal = breakdown.querySelector("[data-approved-total]");
    var d = form.dataset;
    var timer = null;
    var controller = null;
    box.hidden = false;

    function chosenReason() {
      var checked = form.querySelector("input[name=reason]:checked");
      return checked ? checked.value : "";
    }

    function body() {
      var items = [];
      form.querySelectorAll("input[name=item]:checked").forEach(function (box) {
        var qty = form.querySelector("input[name=quantity_" + box.value + "]");
        var quantity = qty ? parseInt(qty.value, 10) : NaN;
        if (!(quantity >= 1)) quantity = qty ? parseInt(qty.max, 10) || 1 : 1;
        items.push({ item: parseInt(box.value, 10), quantity: quantity });
      });
      var evidence = [];
      form.querySelectorAll("input[name=evidence]").forEach(function (hidden) {
        var id = parseInt(hidden.value, 10);
        if (id > 0 && evidence.indexOf(id) < 0) evidence.push(id);
      });
      return { order: d.order, reason: chosenReason(), items: items, evidence: evidence };
    }

    function cell(tag, text, className) {
      var element = document.createElement(tag);
      element.textContent = text;
      if (className) element.className = className;
      return element;
    }

    function show(outcomeKey, data, sentence) {
      placeholder.hidden = true;
      result.hidden = false;
      outcome.className = "status status-" + outcomeKey;
      outcome.textContent = d["i18nOutcome" + outcomeKey.replace(/(^|_)(\w)/g, function (all, sep, ch) { return ch.toUpperCase(); })] || "";
      message.textContent = sentence || "";
      tbody.textContent = "";
      if (!data) {
        amountLabel.textContent = "";
        amount.textContent = "";
        breakdown.hidden = true;
        return;
      }
      amountLabel.textContent = outcomeKey === "approved" ? d.i18nAmountApproved : d.i18nAmountRequested;
      var sum = 0;
      var approvedSum = 0;
      (data.breakdown || []).forEach(function (line) {
        var row = document.createElement("tr");
        row.dataset.line = line.line;
        var name = cell("th", line.name);
        name.scope = "row";
        row.appendChild(name);
        if (line.quantity) {
          row.appendChild(cell("td", String(line.quantity), "num"));
          row.appendChild(cell("td", cny(line.gross), "num"));
          var off = toCents(line.discount_share);
          row.appendChild(cell("td", off > 0 ? cny(-off) : cny(0), "num"));
        } else {
          /* Money left on a line whose units a partial refund took: no units, no price. */
          var note = cell("small", " " + d.i18nWhatIsLeft, "muted");
          name.appendChild(note);
          ["—", "—", "—"].forEach(function (dash) { row.appendChild(cell("td", dash, "num")); });
        }
        row.appendChild(cell("td", cny(line.amount), "num"));
        row.appendChild(cell("td", line.approved !== undefined ? cny(line.approved) : "—", "num"));
        tbody.appendChild(row);
        sum += toCents(line.amount);
        if (line.approved !== undefined) approvedSum += toCents(line.approved);
      });
      total.textContent = cny(sum);
      approvedTotal.textContent = outcomeKey === "approved" ? cny(approvedSum) : "—";
      amount.textContent = cny(outcomeKey === "approved" ? data.amount : sum);
      breakdown.hidden = !(data.breakdown || []).length;
    }

    async function run() {
      var payload = body();
      if (!payload.reason) {
        placeholder.hidden = false;
        result.hidden = true;
        return;
      }
      if (controller) controller.abort();
      controller = new AbortController();
      box.setAttribute("aria-busy", "true");
      placeholder.textContent = d.i18nChecking;
      try {
        var response = await fetch(d.previewUrl, {
          method: "POST",
          body: JSON.stringify(payload),
          signal: controller.signal,
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            Accept: "application/json",
            "X-CSRFToken": csrfToken(form),
          },
        });
        if (response.ok) {
          var data = await response.json();
          show(data.outcome, data, data.message);
        } else if (response.status >= 400 && response.status < 500) {
          show("refused", null, await errorDetail(response, d.i18nPreviewFailed));
        } else {
          show("refused", null, d.i18nPreviewFailed);
        }
      } catch (error) {
        if (error && error.name === "AbortError") return;
        show("refused", null, d.i18nPreviewFailed);
      } finally {
        box.removeAttribute("aria-busy");
      }
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(run, 250);
    }

    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.name === "reason" || target.name === "item" || /^quantity_/.test(target.name)) schedule();
    });
    form.addEventListener("input", function (event) {
      var target = event.target;
      if (/^quantity_/.test(target.name || "")) {
        // Changing a quantity means that item is wanted.
        var item = form.querySelector("#item-" + target.name.slice("quantity_".length));
        if (item && !item.disabled) item.checked = true;
        schedule();
      }
    });
    form.addEventListener("photos:changed", schedule);
    if (chosenReason()) run();
  }

  /* --- Forms: wait for uploads, confirm before a final step -------------------- */

  function setUpForm(form) {
    form.addEventListener("submit", function (event) {
      var busy = Array.prototype.find.call(form.querySelectorAll("[data-photo-uploader]"), function (root) {
        return root.pending > 0;
      });
      if (busy) {
        event.preventDefault();
        var status = busy.querySelector("[data-photo-status]");
        status.textContent = busy.dataset.i18nWait;
        status.classList.add("is-error");
        return;
      }
      if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
        event.preventDefault();
        return;
      }
      var submit = form.querySelector("[data-submit]");
      if (submit) submit.disabled = true;
    });
  }

  document.querySelectorAll("[data-photo-uploader]").forEach(setUpUploader);
  document.querySelectorAll("[data-refund-form]").forEach(setUpPreview);
  document.querySelectorAll("form").forEach(setUpForm);
  // Coming back to a sent form (the back button) must leave it usable.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("[data-submit]").forEach(function (button) {
      button.disabled = false;
    });
  });
  var error = document.getElementById("form-error");
  if (error) error.focus();
})();
