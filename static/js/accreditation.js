// Registration form: show the nomination fields only for categories that need a nomination.
// Without JavaScript the fields simply stay visible.
(function () {
  "use strict";
  var select = document.getElementById("requested_category");
  var fields = document.getElementById("nomination-fields");
  if (!select || !fields) { return; }
  var needing = (select.getAttribute("data-nomination") || "").split(",").filter(Boolean);
  function update() {
    var needed = needing.indexOf(select.value) !== -1;
    fields.hidden = !needed;
    fields.querySelectorAll("input").forEach(function (input) {
      if (needed) { input.setAttribute("aria-required", "true"); }
      else { input.removeAttribute("aria-required"); }
    });
  }
  select.addEventListener("change", update);
  update();
})();
