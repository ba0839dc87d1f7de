// Radar charts of current (solid) against target (dashed) levels on the 0–5 scale.
// The gap dashboard has one: canvas#gap-chart with its data in #gap-chart-data. Other pages may
// have several: each <canvas data-gap-chart="ID"> takes its data from the json_script #ID.
// Every page gives the scale's labels in #level-labels.
// The legend's words come translated from the template, on the canvas (data-current-label,
// data-target-label). Every script here takes its texts that way rather than from Django's
// JavaScriptCatalog: one catalogue (django.po) extracted with the templates, no extra request
// per page, and the test that keeps templates translatable checks these attributes too.
(function () {
  "use strict";
  const labelsNode = document.getElementById("level-labels");
  if (!labelsNode || typeof Chart === "undefined") {
    return;
  }
  const levelLabels = JSON.parse(labelsNode.textContent);

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

  function draw(canvas, dataNode) {
    const data = JSON.parse(dataNode.textContent);
    new Chart(canvas, {
      type: "radar",
      data: {
        labels: data.labels.map((label) => wrap(label)),
        datasets: [
          {
            label: canvas.dataset.currentLabel,
            data: data.current,
            borderColor: "rgb(13, 110, 253)",
            backgroundColor: "rgba(13, 110, 253, 0.2)",
            pointBackgroundColor: "rgb(13, 110, 253)",
            borderWidth: 2,
          },
          {
            label: canvas.dataset.targetLabel,
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
  }

  const dashboardCanvas = document.getElementById("gap-chart");
  const dashboardData = document.getElementById("gap-chart-data");
  if (dashboardCanvas && dashboardData && !dashboardCanvas.dataset.gapChart) {
    draw(dashboardCanvas, dashboardData);
  }
  for (const canvas of document.querySelectorAll("canvas[data-gap-chart]")) {
    const dataNode = document.getElementById(canvas.dataset.gapChart);
    if (dataNode) draw(canvas, dataNode);
  }
})();
