// Organisation report: share met per month end (line, 0–100 %) and the largest gaps (horizontal bars).
// Texts come translated from the template, on each canvas: data-dataset-label, data-x-label,
// data-y-label, and data-tooltip-text with {named} blanks filled here (see gap-chart.js for why
// scripts take their texts this way). Numbers and percentages as the page writes them:
// window.portalFormat (chart-locale.js).
(function () {
  "use strict";
  const dataNode = document.getElementById("report-chart-data");
  if (!dataNode || typeof Chart === "undefined" || typeof portalFormat === "undefined") {
    return;
  }
  const data = JSON.parse(dataNode.textContent);
  const blue = "rgb(13, 110, 253)";
  const orange = "rgb(253, 126, 20)";
  // "Total gap {total} · average {average}" with {total} and {average} filled in.
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (blank, name) => (name in values ? values[name] : blank));
  // On a phone (under 576 px, read once at load) the charts are taller than wide and the bars'
  // names shorter, so neither is cut off at the canvas's edge.
  const phone = window.matchMedia("(max-width: 575.98px)").matches;
  const shorten = (label, length) => (label.length > length ? `${label.slice(0, length - 1)}…` : label);
  // A phone's bar names: two lines of up to 20 characters, broken between words.
  const twoLines = (label) => {
    const lines = [""];
    for (const word of label.split(/\s+/)) {
      const line = lines[lines.length - 1];
      if (line && (line + " " + word).length > 20) lines.push(word);
      else lines[lines.length - 1] = line ? line + " " + word : word;
    }
    return lines.length > 2 ? [lines[0], shorten(lines.slice(1).join(" "), 20)] : lines;
  };

  const progressCanvas = document.getElementById("progress-chart");
  if (progressCanvas) {
    new Chart(progressCanvas, {
      type: "line",
      data: {
        labels: data.progress.labels,
        datasets: [
          {
            label: progressCanvas.dataset.datasetLabel,
            data: data.progress.share_met,
            borderColor: blue,
            backgroundColor: "rgba(13, 110, 253, 0.15)",
            pointBackgroundColor: blue,
            borderWidth: 2,
            fill: true,
            tension: 0.2,
          },
        ],
      },
      options: {
        responsive: true,
        aspectRatio: phone ? 1.2 : 2,
        animation: false,
        // A rotated first month label reaches left of the axis.
        layout: { padding: { left: phone ? 16 : 0 } },
        scales: {
          // Fixed 0–100 %: an auto-scaled axis would exaggerate small changes.
          y: {
            min: 0,
            max: 100,
            ticks: { stepSize: 20, callback: (value) => portalFormat.percent(value) },
            title: { display: true, text: progressCanvas.dataset.yLabel },
          },
          x: { title: { display: true, text: progressCanvas.dataset.xLabel } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (ctx) => fill(progressCanvas.dataset.tooltipText, { percent: portalFormat.percent(ctx.parsed.y) }),
            },
          },
        },
      },
    });
  }

  const gapsCanvas = document.getElementById("largest-gaps-chart");
  if (gapsCanvas) {
    const largest = data.largest_gaps;
    new Chart(gapsCanvas, {
      type: "bar",
      data: {
        labels: largest.labels,
        datasets: [
          {
            label: gapsCanvas.dataset.datasetLabel,
            data: largest.gap_total,
            backgroundColor: "rgba(253, 126, 20, 0.75)",
            borderColor: orange,
            borderWidth: 1,
          },
        ],
      },
      options: {
        indexAxis: "y",
        responsive: true,
        aspectRatio: phone ? 0.75 : 2,
        animation: false,
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: gapsCanvas.dataset.xLabel } },
          // Long names are shortened on the axis (the tooltip and the table have them in full),
          // so the bars keep their room and no label is cut off at the edge.
          y: {
            ticks: {
              autoSkip: false,
              callback(value) {
                const label = this.getLabelForValue(value);
                return phone ? twoLines(label) : shorten(label, 28);
              },
            },
          },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (ctx) =>
                fill(gapsCanvas.dataset.tooltipText, {
                  total: portalFormat.number(ctx.parsed.x),
                  average: portalFormat.number(largest.average_gap[ctx.dataIndex]),
                }),
            },
          },
        },
      },
    });
  }
})();
