// Line chart of the organisation's maturity score over time (maturity overview page).
// Data: #maturity-chart-data, [{at: milliseconds, percent}] oldest first; the history table
// beside it has the same numbers. Texts come translated from the template, on the canvas:
// data-series-label, data-date-label, data-percent-label. Days and percentages are written as
// the page writes them (window.portalFormat, chart-locale.js).
(function () {
  "use strict";
  const canvas = document.getElementById("maturity-chart");
  const dataNode = document.getElementById("maturity-chart-data");
  if (!canvas || !dataNode || typeof Chart === "undefined" || typeof portalFormat === "undefined") {
    return;
  }
  const points = JSON.parse(dataNode.textContent);
  new Chart(canvas, {
    type: "line",
    data: {
      labels: points.map((point) => portalFormat.day(point.at)),
      datasets: [
        {
          label: canvas.dataset.seriesLabel,
          data: points.map((point) => point.percent),
          borderColor: "rgb(13, 110, 253)",
          backgroundColor: "rgba(13, 110, 253, 0.15)",
          pointBackgroundColor: "rgb(13, 110, 253)",
          pointRadius: 4,
          borderWidth: 2,
          fill: false,
        },
      ],
    },
    options: {
      responsive: true,
      aspectRatio: window.matchMedia("(max-width: 575.98px)").matches ? 1.2 : 2,
      animation: false,
      scales: {
        x: { ticks: { maxRotation: 0, autoSkipPadding: 16 }, title: { display: true, text: canvas.dataset.dateLabel } },
        y: {
          min: 0,
          max: 100,
          ticks: { stepSize: 20, callback: (value) => portalFormat.percent(value) },
          title: { display: true, text: canvas.dataset.percentLabel },
        },
      },
      plugins: {
        legend: { position: "bottom" },
        tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${portalFormat.percent(ctx.parsed.y)}` } },
      },
    },
  });
})();
