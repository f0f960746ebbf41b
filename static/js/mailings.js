// The mailing page: while a mailing is being sent, refresh its progress every few seconds.
// Without JavaScript the page shows the same figures and a "Refresh" link.
(function () {
  "use strict";
  // The compose form: show only the filters of the chosen group (all of them without JS).
  var kinds = document.querySelectorAll('input[name="kind"]');
  if (kinds.length) {
    var showFilters = function () {
      var chosen = document.querySelector('input[name="kind"]:checked');
      document.querySelectorAll("fieldset[data-kind]").forEach(function (fieldset) {
        fieldset.hidden = !chosen || fieldset.dataset.kind !== chosen.value;
      });
    };
    kinds.forEach(function (radio) { radio.addEventListener("change", showFilters); });
    showFilters();
  }
})();

(function () {
  "use strict";
  var section = document.getElementById("mailing-progress");
  if (!section || section.dataset.state !== "sending") return;
  var bar = document.getElementById("delivery-progress");
  function update() {
    fetch(section.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        bar.max = data.total || 1;
        bar.value = data.sent;
        ["sent", "waiting", "retrying", "failed"].forEach(function (name) {
          var cell = section.querySelector('[data-field="' + name + '"]');
          if (cell) cell.textContent = data[name];
        });
        var summary = section.querySelector('[data-field="summary"]');
        if (summary) {
          summary.textContent = summary.dataset.template
            .replace("SENT", data.sent).replace("TOTAL", data.total);
        }
        if (data.state === "sending") window.setTimeout(update, 3000);
      })
      .catch(function () {});
  }
  window.setTimeout(update, 3000);
})();
