// Registration form: hide the edition's questions that are not asked of this person (another
// category, or a condition on another answer that is not met). Without JavaScript every
// question stays visible and its help says when it is asked; the server ignores the others.
(function () {
  "use strict";
  var form = document.getElementById("custom-questions");
  if (!form) { return; }
  var category = document.getElementById("requested_category");
  var blocks = Array.prototype.slice.call(form.querySelectorAll(".question"));

  function answerOf(id) {
    var block = form.querySelector('.question[data-question="' + id + '"]');
    if (!block || block.hidden) { return []; }
    var values = [];
    block.querySelectorAll("input, select, textarea").forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) { return; }
      if (input.value && input.value.trim()) { values.push(input.value.trim()); }
    });
    return values;
  }

  function asked(block) {
    var categories = (block.getAttribute("data-categories") || "").split(",").filter(Boolean);
    if (categories.length && category && categories.indexOf(category.value) === -1) { return false; }
    var condition = block.getAttribute("data-condition");
    if (!condition) { return true; }
    var values = answerOf(condition);
    var wanted = block.getAttribute("data-condition-value");
    return wanted ? values.indexOf(wanted) !== -1 : values.length > 0;
  }

  function update() {
    // Until nothing changes: a question may depend on one that was just shown or hidden.
    for (var pass = 0; pass <= blocks.length; pass += 1) {
      var changed = false;
      blocks.forEach(function (block) {
        var hide = !asked(block);
        if (block.hidden !== hide) { block.hidden = hide; changed = true; }
      });
      if (!changed) { break; }
    }
    form.hidden = blocks.every(function (block) { return block.hidden; });
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  if (category) { category.addEventListener("change", update); }
  update();
})();
