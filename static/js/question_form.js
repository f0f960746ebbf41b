// The organisers' question form: show the choices only for choice questions and the condition's
// value only when a condition is set. Without JavaScript every field stays visible and the
// server ignores what does not apply.
(function () {
  "use strict";
  var kind = document.getElementById("kind");
  var choices = document.getElementById("choices");
  var condition = document.getElementById("condition_question_id");
  var value = document.getElementById("condition_value");
  function block(input) { return input ? input.closest(".field") : null; }
  function update() {
    var choicesBlock = block(choices);
    if (kind && choicesBlock) {
      choicesBlock.hidden = ["single_choice", "multiple_choice"].indexOf(kind.value) === -1;
    }
    var valueBlock = block(value);
    if (condition && valueBlock) { valueBlock.hidden = !condition.value; }
  }
  if (kind) { kind.addEventListener("change", update); }
  if (condition) { condition.addEventListener("change", update); }
  update();
})();
