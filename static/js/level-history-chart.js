// Line chart of one competency's level over time (history page): a stepped line, because a
// level holds from one change to the next. Data: #level-history-data; scale labels: #level-labels.
// Texts come translated from the template, on the canvas: data-date-label, data-level-label (axis
// titles) and data-today-text (see gap-chart.js for why scripts take their texts this way).
// The axis writes its days as the page does (window.portalFormat, chart-locale.js).
(function () {
  "use strict";
  const canvas = document.getElementById("level-history-chart");
  const dataNode = document.getElementById("level-history-data");
  const labelsNode = document.getElementById("level-labels");
  if (!canvas || !dataNode || !labelsNode || typeof Chart === "undefined" || typeof portalFormat === "undefined") {
    return;
  }
  const data = JSON.parse(dataNode.textContent);
  const levelLabels = JSON.parse(labelsNode.textContent);
  const points = data.points.map((point) => ({ x: point.x, y: point.y, date: point.date, isToday: false }));
  const last = points[points.length - 1];
  if (last && data.now > last.x) {
    // Carry the current level on to today.
    points.push({ x: data.now, y: last.y, date: canvas.dataset.todayText, isToday: true });
  }
  // Show at least a month, so changes made on one day still give a readable axis.
  const DAY = 24 * 60 * 60 * 1000;
  const end = points.length ? Math.max(data.now, points[points.length - 1].x) : data.now;
  const start = points.length ? Math.min(points[0].x, end - 30 * DAY) : end - 30 * DAY;

  new Chart(canvas, {
    type: "line",
    data: {
      datasets: [
        {
          label: data.label,
          data: points,
          stepped: "before",
          borderColor: "rgb(13, 110, 253)",
          backgroundColor: "rgba(13, 110, 253, 0.15)",
          pointBackgroundColor: "rgb(13, 110, 253)",
          pointRadius: points.map((point, index) => (point.isToday ? 0 : 4)),
          borderWidth: 2,
          fill: false,
        },
      ],
    },
    options: {
      responsive: true,
      // Half as tall as wide leaves a phone 80 px for six levels; closer to square there.
      aspectRatio: window.matchMedia("(max-width: 575.98px)").matches ? 1.2 : 2,
      animation: false,
      parsing: false,
      scales: {
        x: {
          type: "linear",
          min: start,
          max: end,
          ticks: {
            // Dates only; a tick on the same day as the one before it stays unlabelled.
            callback: (value, index, ticks) =>
              index > 0 && portalFormat.day(ticks[index - 1].value) === portalFormat.day(value)
                ? ""
                : portalFormat.day(value),
            maxRotation: 0,
            autoSkipPadding: 16,
          },
          title: { display: true, text: canvas.dataset.dateLabel },
        },
        y: {
          min: 0,
          max: 5,
          ticks: { stepSize: 1, callback: (value) => levelLabels[value] ?? value },
          title: { display: true, text: canvas.dataset.levelLabel },
        },
      },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            title: (items) => items.map((item) => item.raw.date),
            label: (ctx) => `${ctx.dataset.label}: ${levelLabels[ctx.parsed.y] ?? ctx.parsed.y}`,
          },
        },
      },
    },
  });
})();
