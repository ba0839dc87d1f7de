// The maturity questionnaire sent back incomplete: move the focus to the summary of what is
// missing, so a screen reader reads it first and each item's link leads to its question.
(function () {
  "use strict";
  const summary = document.getElementById("form-errors");
  if (summary) {
    summary.focus();
  }
})();
