// Bootstrap progress bars without inline styles (the Content-Security-Policy forbids them):
// each .progress-bar[data-progress] gets its width, 0–100 %, from the attribute.
(function () {
  "use strict";
  for (const bar of document.querySelectorAll(".progress-bar[data-progress]")) {
    const percent = Math.min(100, Math.max(0, Number(bar.dataset.progress) || 0));
    bar.style.width = percent + "%";
  }
})();
