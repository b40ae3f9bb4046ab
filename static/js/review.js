/* The weekly review's charts, drawn with the vendored Chart.js from the JSON in #review-charts.
 *
 * Every series differs by more than colour: lines by dash and point style, bars by a fill pattern,
 * and the legend shows both. Each chart's figures also sit in a table beside it, folded away
 * once the chart has drawn and unfolded again for printing.
 */
(function () {
  "use strict";

  // Okabe & Ito's palette: distinguishable with the common colour-vision deficiencies.
  var COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
  var DASHES = [[], [8, 4], [2, 3], [12, 4, 2, 4], [4, 4], [1, 6]];
  var POINTS = ["circle", "triangle", "rect", "rectRot", "crossRot", "star", "cross", "rectRounded"];
  var PATTERNS = ["solid", "diagonal", "dots", "horizontal", "cross", "vertical", "zigzag", "back-diagonal"];

  function pattern(kind, colour) {
    if (kind === "solid") return colour;
    var size = 10;
    var tile = document.createElement("canvas");
    tile.width = tile.height = size;
    var pen = tile.getContext("2d");
    pen.fillStyle = colour;
    pen.globalAlpha = 0.35;
    pen.fillRect(0, 0, size, size);
    pen.globalAlpha = 1;
    pen.strokeStyle = colour;
    pen.lineWidth = 2;
    pen.beginPath();
    if (kind === "diagonal") { pen.moveTo(0, size); pen.lineTo(size, 0); }
    if (kind === "back-diagonal") { pen.moveTo(0, 0); pen.lineTo(size, size); }
    if (kind === "horizontal") { pen.moveTo(0, size / 2); pen.lineTo(size, size / 2); }
    if (kind === "vertical") { pen.moveTo(size / 2, 0); pen.lineTo(size / 2, size); }
    if (kind === "cross") { pen.moveTo(0, size / 2); pen.lineTo(size, size / 2); pen.moveTo(size / 2, 0); pen.lineTo(size / 2, size); }
    if (kind === "zigzag") { pen.moveTo(0, 7); pen.lineTo(size / 2, 3); pen.lineTo(size, 7); }
    pen.stroke();
    if (kind === "dots") { pen.beginPath(); pen.arc(size / 2, size / 2, 2, 0, 2 * Math.PI); pen.fill(); }
    return pen.createPattern(tile, "repeat");
  }

  function lineDataset(series, index) {
    var colour = COLOURS[index % COLOURS.length];
    return {
      label: series.label,
      data: series.data,
      borderColor: colour,
      backgroundColor: colour,
      borderDash: DASHES[index % DASHES.length],
      pointStyle: POINTS[index % POINTS.length],
      pointRadius: series.data.length > 40 ? 2 : 4,
      borderWidth: index === 0 ? 3 : 2,
      spanGaps: false,
      tension: 0.2
    };
  }

  function barDataset(series, index) {
    var colour = COLOURS[index % COLOURS.length];
    return {
      label: series.label,
      data: series.data,
      backgroundColor: pattern(PATTERNS[index % PATTERNS.length], colour),
      borderColor: colour,
      borderWidth: 1
    };
  }

  function axisTitle(text) {
    return text ? { display: true, text: text } : { display: false };
  }

  function config(spec) {
    var line = spec.kind === "line";
    var stacked = spec.kind === "stacked";
    var horizontal = spec.kind === "bar";
    return {
      type: line ? "line" : "bar",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(line ? lineDataset : barDataset)
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: horizontal ? "y" : "x",
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: {
            display: spec.datasets.length > 1,
            position: "bottom",
            labels: { usePointStyle: line, boxWidth: 28, boxHeight: 14 }
          },
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = item.raw === null || item.raw === undefined ? "withheld or no data" : item.formattedValue;
                return item.dataset.label + ": " + value + (stacked ? "%" : "");
              }
            }
          }
        },
        scales: {
          x: { stacked: stacked, title: axisTitle(horizontal ? spec.xTitle : spec.xTitle || "Week") },
          y: {
            stacked: stacked,
            beginAtZero: true,
            max: stacked ? 100 : undefined,
            title: axisTitle(horizontal ? "" : spec.yTitle)
          }
        }
      }
    };
  }

  function draw() {
    var source = document.getElementById("review-charts");
    if (!source || typeof window.Chart === "undefined") return;
    var specs = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var spec = specs[canvas.dataset.chart];
      var figure = canvas.closest("figure");
      if (!spec || !spec.datasets.length) {
        canvas.parentElement.hidden = true; // nothing to draw: the table says so
        return;
      }
      new window.Chart(canvas, config(spec));
      figure.classList.add("drawn");
      var details = figure.querySelector("details.chart-data");
      if (details) details.open = false;
    });
  }

  // Paper has no "click to unfold": print every table, then fold them back.
  var folded = [];
  window.addEventListener("beforeprint", function () {
    folded = Array.prototype.filter.call(document.querySelectorAll("details.chart-data, details.review-detail"), function (d) {
      return !d.open;
    });
    folded.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    folded.forEach(function (d) { d.open = false; });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
