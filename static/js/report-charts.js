// Organisation report: share met per month end (line, 0–100 %) and the largest gaps (horizontal bars).
(function () {
  "use strict";
  const dataNode = document.getElementById("report-chart-data");
  if (!dataNode || typeof Chart === "undefined") {
    return;
  }
  const data = JSON.parse(dataNode.textContent);
  const blue = "rgb(13, 110, 253)";
  const orange = "rgb(253, 126, 20)";

  const progressCanvas = document.getElementById("progress-chart");
  if (progressCanvas) {
    new Chart(progressCanvas, {
      type: "line",
      data: {
        labels: data.progress.labels,
        datasets: [
          {
            label: "Share of assignments met",
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
        animation: false,
        scales: {
          // Fixed 0–100 %: an auto-scaled axis would exaggerate small changes.
          y: {
            min: 0,
            max: 100,
            ticks: { stepSize: 20, callback: (value) => `${value} %` },
            title: { display: true, text: "Share met" },
          },
          x: { title: { display: true, text: "Month end" } },
        },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (ctx) => `Share met: ${ctx.parsed.y} %` } },
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
            label: "Total gap",
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
        animation: false,
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Total gap (levels)" } },
          // Long names are shortened on the axis (the tooltip and the table have them in full),
          // so the bars keep their room and no label is cut off at the edge.
          y: {
            ticks: {
              autoSkip: false,
              callback(value) {
                const label = this.getLabelForValue(value);
                return label.length > 28 ? `${label.slice(0, 27)}…` : label;
              },
            },
          },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (ctx) => `Total gap ${ctx.parsed.x} · average ${largest.average_gap[ctx.dataIndex]}`,
            },
          },
        },
      },
    });
  }
})();
