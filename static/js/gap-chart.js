// Radar chart of the gap dashboard: current (solid) against target (dashed) on the 0–5 scale.
(function () {
  "use strict";
  const canvas = document.getElementById("gap-chart");
  const dataNode = document.getElementById("gap-chart-data");
  if (!canvas || !dataNode || typeof Chart === "undefined") {
    return;
  }
  const data = JSON.parse(dataNode.textContent);
  const levelLabels = JSON.parse(document.getElementById("level-labels").textContent);

  // Long competency names break into lines so the axis labels stay inside the canvas.
  function wrap(text, width = 18) {
    const lines = [];
    let line = "";
    for (const word of text.split(/\s+/)) {
      if (line && (line + " " + word).length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    }
    if (line) lines.push(line);
    return lines;
  }

  new Chart(canvas, {
    type: "radar",
    data: {
      labels: data.labels.map((label) => wrap(label)),
      datasets: [
        {
          label: "Current level",
          data: data.current,
          borderColor: "rgb(13, 110, 253)",
          backgroundColor: "rgba(13, 110, 253, 0.2)",
          pointBackgroundColor: "rgb(13, 110, 253)",
          borderWidth: 2,
        },
        {
          label: "Target level",
          data: data.target,
          borderColor: "rgb(220, 53, 69)",
          backgroundColor: "rgba(220, 53, 69, 0)",
          pointBackgroundColor: "rgb(220, 53, 69)",
          borderDash: [6, 4],
          borderWidth: 2,
        },
      ],
    },
    options: {
      responsive: true,
      animation: false,
      scales: {
        r: {
          // Fixed scale: without min/max Chart.js zooms in on the data and hides the gap.
          min: 0,
          max: 5,
          ticks: { stepSize: 1, callback: (value) => levelLabels[value] ?? value, backdropColor: "rgba(255,255,255,0.7)" },
          pointLabels: { font: { size: 11 } },
        },
      },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            label: (ctx) => `${ctx.dataset.label}: ${levelLabels[ctx.parsed.r] ?? ctx.parsed.r}`,
          },
        },
      },
    },
  });
})();
