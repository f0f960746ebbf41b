// Programme page: filter the sessions as you type or choose, without a page load.
// The form still works without JavaScript (the server filters the same way).
(function () {
  "use strict";
  var form = document.getElementById("programme-filters");
  if (!form) { return; }
  var q = form.querySelector("[name=q]");
  var selects = { track: form.querySelector("[name=track]"), type: form.querySelector("[name=type]"), room: form.querySelector("[name=room]") };
  var items = Array.prototype.slice.call(document.querySelectorAll(".session-item"));
  var days = Array.prototype.slice.call(document.querySelectorAll(".programme-day"));
  var count = document.getElementById("programme-count");

  function apply() {
    var words = (q.value || "").toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (item) {
      var ok = true;
      Object.keys(selects).forEach(function (key) {
        var want = selects[key] && selects[key].value;
        if (want && item.getAttribute("data-" + key) !== want) { ok = false; }
      });
      var text = item.getAttribute("data-text") || "";
      words.forEach(function (w) { if (text.indexOf(w) === -1) { ok = false; } });
      item.hidden = !ok;
      if (ok) { shown += 1; }
    });
    days.forEach(function (day) {
      day.hidden = !day.querySelector(".session-item:not([hidden])");
    });
    if (count) { count.textContent = shown + (shown === 1 ? " session" : " sessions") + " shown."; }
  }

  q.addEventListener("input", apply);
  Object.keys(selects).forEach(function (key) {
    if (selects[key]) { selects[key].addEventListener("change", apply); }
  });
})();
