// Radar charts of current (solid) against target (dashed) levels on the 0–5 scale.
// The gap dashboard has one: canvas#gap-chart with its data in #gap-chart-data. Other pages may
// have several: each <canvas data-gap-chart="ID"> takes its data from the json_script #ID.
// Every page gives the scale's labels in #level-labels.
// Data with a "self" list (the employee's self-ratings, null where none) adds a third, dotted
// series, shown while the switch #gap-chart-self-toggle (aria-controls: the canvas) is on.
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

  // Below 576 px a radar's point labels crowd the canvas and its level labels overlap at the
  // centre: a phone gets the same data as ranked bars instead (largest gaps first, as the data
  // comes), each competency a bar of its current level inside an outline reaching its target,
  // on the same fixed 0–5 scale. The chart is drawn again when the width crosses 576 px, and
  // its name changes with it: the canvas's aria-label, or data-bars-label for the bars.
  const phone = window.matchMedia("(max-width: 575.98px)");
  const CURRENT = "rgb(13, 110, 253)";
  const TARGET = "rgb(220, 53, 69)";
  const SELF = "rgb(173, 80, 0)";

  // The self-rating series, when the data has one: dotted, with triangles, so it differs from
  // the other two by more than its colour.
  const hasSelf = (data) => Array.isArray(data.self) && data.self.some((level) => level !== null);
  const selfShown = (canvas) => {
    const toggle = document.querySelector(`input[aria-controls="${canvas.id}"]`);
    return !toggle || toggle.checked;
  };
  function selfDataset(canvas, data, bars) {
    const common = { label: canvas.dataset.selfLabel, data: data.self, hidden: !selfShown(canvas) };
    if (bars) {
      return { ...common, backgroundColor: SELF, barPercentage: 0.2, grouped: false, order: 0 };
    }
    return {
      ...common,
      borderColor: SELF,
      backgroundColor: "rgba(173, 80, 0, 0)",
      pointBackgroundColor: SELF,
      pointStyle: "triangle",
      pointRadius: 5,
      borderDash: [2, 3],
      borderWidth: 2,
      spanGaps: true,
    };
  }

  // Bars have no dashed border in Chart.js: the target's outline is stroked over them here, and
  // in the legend, so "target dashed" holds for the bars as for the radar.
  const dashedTargetOutline = {
    id: "dashedTargetOutline",
    afterDatasetsDraw(chart) {
      const meta = chart.getDatasetMeta(1);
      if (meta.hidden) return;
      const { ctx } = chart;
      ctx.save();
      ctx.strokeStyle = TARGET;
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      for (const bar of meta.data) {
        const { x, y, base, height } = bar.getProps(["x", "y", "base", "height"], true);
        ctx.strokeRect(base, y - height / 2, x - base, height);
      }
      ctx.restore();
    },
  };
  const dashedTargetLegend = (chart) =>
    Chart.defaults.plugins.legend.labels
      .generateLabels(chart)
      .map((item) => (item.datasetIndex === 1 ? { ...item, strokeStyle: TARGET, lineWidth: 2, lineDash: [6, 4] } : item));

  const tooltip = (parsedValue) => ({
    callbacks: {
      label: (ctx) => `${ctx.dataset.label}: ${levelLabels[parsedValue(ctx)] ?? parsedValue(ctx)}`,
    },
  });

  function radarConfig(canvas, data) {
    return {
      type: "radar",
      data: {
        labels: data.labels.map((label) => wrap(label)),
        datasets: [
          {
            label: canvas.dataset.currentLabel,
            data: data.current,
            borderColor: CURRENT,
            backgroundColor: "rgba(13, 110, 253, 0.2)",
            pointBackgroundColor: CURRENT,
            borderWidth: 2,
          },
          {
            label: canvas.dataset.targetLabel,
            data: data.target,
            borderColor: TARGET,
            backgroundColor: "rgba(220, 53, 69, 0)",
            pointBackgroundColor: TARGET,
            borderDash: [6, 4],
            borderWidth: 2,
          },
          ...(hasSelf(data) ? [selfDataset(canvas, data, false)] : []),
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
        plugins: { legend: { position: "bottom" }, tooltip: tooltip((ctx) => ctx.parsed.r) },
      },
    };
  }

  function barsConfig(canvas, data) {
    return {
      type: "bar",
      data: {
        labels: data.labels.map((label) => wrap(label, 16)),
        datasets: [
          {
            label: canvas.dataset.currentLabel,
            data: data.current,
            backgroundColor: CURRENT,
            barPercentage: 0.5,
            grouped: false,
            order: 1,
          },
          {
            label: canvas.dataset.targetLabel,
            data: data.target,
            backgroundColor: "rgba(220, 53, 69, 0)",
            borderWidth: 0,
            barPercentage: 0.85,
            grouped: false,
            order: 2,
          },
          ...(hasSelf(data) ? [selfDataset(canvas, data, true)] : []),
        ],
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: {
            min: 0,
            max: 5,
            ticks: { stepSize: 1, callback: (value) => levelLabels[value] ?? value, minRotation: 45, font: { size: 10 } },
          },
          y: { ticks: { autoSkip: false, font: { size: 11 } } },
        },
        plugins: {
          legend: { position: "bottom", labels: { generateLabels: dashedTargetLegend } },
          tooltip: tooltip((ctx) => ctx.parsed.x),
        },
      },
      plugins: [dashedTargetOutline],
    };
  }

  function draw(canvas, data) {
    Chart.getChart(canvas)?.destroy();
    canvas.dataset.radarLabel ??= canvas.getAttribute("aria-label") ?? "";
    canvas.setAttribute("aria-label", phone.matches ? canvas.dataset.barsLabel || canvas.dataset.radarLabel : canvas.dataset.radarLabel);
    const box = canvas.parentElement;
    // A bar chart does not keep an aspect ratio: its height grows with its rows (CSSOM, not a
    // style attribute, so the CSP allows it).
    box.style.height = phone.matches ? `${data.labels.length * 44 + 120}px` : "";
    new Chart(canvas, phone.matches ? barsConfig(canvas, data) : radarConfig(canvas, data));
  }

  const charts = [];
  const dashboardCanvas = document.getElementById("gap-chart");
  const dashboardData = document.getElementById("gap-chart-data");
  if (dashboardCanvas && dashboardData && !dashboardCanvas.dataset.gapChart) {
    charts.push([dashboardCanvas, JSON.parse(dashboardData.textContent)]);
  }
  for (const canvas of document.querySelectorAll("canvas[data-gap-chart]")) {
    const dataNode = document.getElementById(canvas.dataset.gapChart);
    if (dataNode) charts.push([canvas, JSON.parse(dataNode.textContent)]);
  }
  const drawAll = () => charts.forEach(([canvas, data]) => draw(canvas, data));
  drawAll();
  phone.addEventListener("change", drawAll);

  // The self-rating switch shows or hides the third series without drawing the chart again.
  for (const [canvas] of charts) {
    const toggle = document.querySelector(`input[aria-controls="${canvas.id}"]`);
    toggle?.addEventListener("change", () => {
      const chart = Chart.getChart(canvas);
      if (!chart || chart.data.datasets.length < 3) return;
      chart.setDatasetVisibility(2, toggle.checked);
      chart.update();
    });
  }
})();
