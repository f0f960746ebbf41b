// Stars ("add to my agenda"): the form buttons work without JavaScript (a page load); with
// it, the star is set or taken off in place and the button flips.
(function () {
  "use strict";
  function flip(form, starred) {
    var button = form.querySelector("button");
    form.action = starred ? form.getAttribute("data-unstar-url") : form.getAttribute("data-star-url");
    button.classList.toggle("is-starred", starred);
    form.querySelector(".star-icon").textContent = starred ? "\u2605" : "\u2606";
    form.querySelector(".star-label").textContent = form.getAttribute(starred ? "data-label-on" : "data-label-off");
    var cell = form.closest(".grid-session");
    if (cell) { cell.classList.toggle("is-starred", starred); }
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("star-form") || !window.fetch) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      button.disabled = false;
      if (result.ok) {
        flip(form, result.data.starred);
        button.focus();
      } else {
        window.alert(result.data.error ? result.data.error.message : form.getAttribute("data-error"));
      }
    }).catch(function () {
      // No JSON answer (network trouble, a login page): send the form the ordinary way.
      button.disabled = false;
      form.submit();
    });
  });
  // The zone switch offers the browser's own zone first when none was chosen yet.
  var zone = document.getElementById("zone-choice");
  if (zone && window.Intl && zone.value === "edition") {
    var own = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var option = own && zone.querySelector('option[value="' + own + '"]');
    if (option && own !== zone.getAttribute("data-edition-zone")) {
      option.textContent = option.textContent + " \u2190";
      option.setAttribute("data-browser", "1");
    }
  }
})();
