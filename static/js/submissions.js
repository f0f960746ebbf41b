// Live word count for the abstract. The server counts the same way (Python's str.split()):
// runs of characters between whitespace; this class lists exactly the characters Python
// treats as whitespace, so the number shown here is the number the server checks.
(function () {
  "use strict";
  var WS = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

  function countWords(text) {
    return text.split(WS).filter(function (part) { return part.length > 0; }).length;
  }

  document.querySelectorAll("textarea[data-word-counter]").forEach(function (area) {
    var out = document.getElementById(area.getAttribute("data-word-counter"));
    if (!out) { return; }
    var limits = {};
    try { limits = JSON.parse(out.getAttribute("data-limits") || "{}"); } catch (e) { limits = {}; }
    var typeSelect = area.form ? area.form.querySelector("select[name=type_id]") : null;

    function update() {
      var words = countWords(area.value);
      var limit = typeSelect ? limits[typeSelect.value] : undefined;
      var text = words + (words === 1 ? " word" : " words");
      if (limit) {
        text += " of at most " + limit;
        out.classList.toggle("over-limit", words > limit);
        if (words > limit) { text += " – please shorten the abstract by " + (words - limit) + "."; }
      } else {
        out.classList.remove("over-limit");
      }
      out.textContent = text;
    }

    area.addEventListener("input", update);
    if (typeSelect) { typeSelect.addEventListener("change", update); }
    update();
  });
})();
