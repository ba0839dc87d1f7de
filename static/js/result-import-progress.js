// A results import's page (admin): while the import runs, ask its progress every 2 s and move
// the bar and its text; when it ends, reload, so the page shows the counts or the error.
(function () {
  "use strict";
  const box = document.getElementById("import-progress");
  if (!box || box.dataset.finished === "true") {
    return;
  }
  const bar = document.getElementById("import-progress-bar");
  const text = document.getElementById("import-progress-text");
  const status = document.getElementById("import-status");
  const url = box.dataset.progressUrl;

  function show(progress) {
    bar.max = Math.max(1, progress.rows_total);
    bar.value = progress.rows_done;
    bar.textContent = progress.percent_text;
    text.textContent = progress.text;
    status.textContent = progress.status_label;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (progress) {
        show(progress);
        if (progress.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 2000);
      });
  }

  window.setTimeout(poll, 2000);
})();
