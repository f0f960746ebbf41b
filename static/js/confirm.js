// Confirmation step (conference/confirm.py), progressively enhanced: a button that leads to a
// confirmation page (a GET form with data-confirm) opens that page's content in a <dialog>.
// The dialog holds the page's own form, so confirming works exactly as without JavaScript;
// when anything goes wrong the browser simply goes to the confirmation page.
(function () {
  "use strict";
  if (typeof HTMLDialogElement !== "function" || !window.fetch || !window.DOMParser) { return; }

  function targetOf(form) {
    var url = new URL(form.getAttribute("action") || window.location.href, window.location.href);
    new FormData(form).forEach(function (value, name) { url.searchParams.append(name, value); });
    return url;
  }

  function open(form, section) {
    var dialog = document.createElement("dialog");
    dialog.className = "confirmation-dialog";
    var content = document.importNode(section, true);
    var title = content.querySelector("h1");
    if (title) {  // the page keeps its one <h1>
      var heading = document.createElement("h2");
      heading.id = title.id;
      heading.textContent = title.textContent;
      title.replaceWith(heading);
      dialog.setAttribute("aria-labelledby", heading.id);
    }
    dialog.appendChild(content);
    var cancel = dialog.querySelector("[data-confirm-cancel]");
    if (cancel) {
      cancel.addEventListener("click", function (event) { event.preventDefault(); dialog.close(); });
    }
    dialog.addEventListener("close", function () {
      dialog.remove();
      var button = form.querySelector("button");
      if (button) { button.focus(); }
    });
    document.body.appendChild(dialog);
    dialog.showModal();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) { return; }
    event.preventDefault();
    var url = targetOf(form);
    fetch(url.toString(), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (text) {
        var page = new DOMParser().parseFromString(text, "text/html");
        var section = page.getElementById("confirmation");
        if (!section) { throw new Error("no confirmation"); }
        open(form, section);
      })
      .catch(function () { window.location.assign(url.toString()); });
  });
})();
