/* The patient timeline drawn with Chart.js (served by this app from /static/vendor; no CDN).
 *
 * Progressive enhancement: the page works without this file (a server-drawn SVG and a table hold
 * the same data). With it, the SVG is swapped for an interactive chart that opens on the last two
 * years and can show all years. The data come from a <script type="application/json"> block
 * (built by hemispasm.clinic.web.chart.chart_json); x is in days since 1970-01-01. Its words
 * (month names, each measure's axis title and unit) come in the page's language from a second
 * block named by the figure's data-timeline-text; without it they stay English.
 */
(function () {
  "use strict";

  var DAY_MS = 86400000;
  var PAD_DAYS = 14;
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var POINT_STYLES = { circle: "circle", triangle: "triangle", square: "rect", diamond: "rectRot" };
  var EFFECT_FILL = "rgba(0, 158, 115, 0.16)";
  var EFFECT_BAR = "rgba(0, 158, 115, 0.85)";
  var EFFECT_EDGE = "#00704F";
  var SESSION = "#1a1a1a";
  var TODAY = "#B00020";
  var NEXT_DUE = "#7A4A00";
  var TEXT = "#1a1a1a";
  var Y_AXIS_WIDTH = 58; /* px */
  var PANEL_GAP_WEIGHT = 0.3; /* the band between two panels, as a share of one panel */
  var MARK_ROW = 17; /* px: one row of the today / next-due labels (see .tl-mark in diary.css) */
  var MARK_TOP = 2 * MARK_ROW + 2; /* their lines start below both rows */

  /* A date as the pages write it, day, short month name and year: "7 Dec 2026", "7 dic 2026". */
  function dayText(day, months) {
    var d = new Date(day * DAY_MS);
    return d.getUTCDate() + " " + months[d.getUTCMonth()] + " " + d.getUTCFullYear();
  }

  /* The page's words for the script (see _chart.html), English where a word is missing. */
  function readText(figure, data) {
    var text = {};
    var source = document.getElementById(figure.getAttribute("data-timeline-text") || "");
    if (source) {
      try {
        text = JSON.parse(source.textContent) || {};
      } catch (err) {
        text = {};
      }
    }
    var months = text.months && text.months.length === 12 ? text.months : MONTHS;
    var words = text.measures || {};
    data.measures.forEach(function (m) {
      var w = words[m.key] || {};
      if (w.short) m.short = w.short;
      if (typeof w.unit === "string") m.unit = w.unit;
    });
    return months;
  }

  function monthStart(year, month) {
    return Math.round(Date.UTC(year, month, 1) / DAY_MS);
  }

  /* Ticks on the first of a month (every 1, 3, 12 or 24 months, by the span shown). */
  function dateTicks(min, max) {
    var span = max - min;
    var step = span <= 430 ? 1 : span <= 1200 ? 3 : span <= 4000 ? 12 : 24;
    var first = new Date(min * DAY_MS);
    var year = first.getUTCFullYear();
    var month = Math.ceil(first.getUTCMonth() / step) * step;
    if (step === 24 && year % 2 === 1) { year += 1; month = 0; }
    var ticks = [];
    for (var guard = 0; guard < 400; guard++) {
      while (month >= 12) { month -= 12; year += 1; }
      var day = monthStart(year, month);
      if (day > max) break;
      if (day >= min) ticks.push({ value: day, step: step });
      month += step;
    }
    return ticks;
  }

  function tickLabel(day, step, first, months) {
    var d = new Date(day * DAY_MS);
    var month = d.getUTCMonth();
    if (step >= 12) return String(d.getUTCFullYear());
    if (month === 0 || first) return [months[month], String(d.getUTCFullYear())];
    return months[month];
  }

  function formatValue(measure, value) {
    var text = value.toFixed(measure.decimals);
    if (measure.unit === "%") return text + " %";
    return measure.unit ? text + " " + measure.unit : text;
  }

  function dashedLine(ctx, x, top, bottom, colour, dash, width) {
    ctx.save();
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.setLineDash(dash);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    ctx.restore();
  }

  /* Effects as bands behind every panel (and a bar along the top), injections as lines with a
     marker, today and the next due date as dashed lines. */
  var timelinePlugin = {
    id: "hemispasmTimeline",
    beforeDatasetsDraw: function (chart, args, options) {
      var data = options.data;
      var ctx = chart.ctx;
      var area = chart.chartArea;
      var x = chart.scales.x;
      var barTop = area.top - 20;
      var inView = function (day) { return day >= x.min && day <= x.max; };
      ctx.save();
      ctx.beginPath();
      ctx.rect(area.left, 0, area.right - area.left, area.bottom);
      ctx.clip();
      data.effects.forEach(function (e) {
        var x0 = x.getPixelForValue(e.from);
        var x1 = Math.max(x.getPixelForValue(e.to), x0 + 1);
        ctx.fillStyle = EFFECT_FILL;
        ctx.fillRect(x0, area.top, x1 - x0, area.bottom - area.top);
        ctx.fillStyle = e.ongoing ? "rgba(0, 158, 115, 0.35)" : EFFECT_BAR;
        ctx.fillRect(x0, barTop, x1 - x0, 10);
        if (e.ongoing) {
          ctx.save();
          ctx.strokeStyle = EFFECT_EDGE;
          ctx.setLineDash([4, 3]);
          ctx.strokeRect(x0, barTop, x1 - x0, 10);
          ctx.restore();
        }
      });
      data.sessions.forEach(function (day) {
        if (!inView(day)) return;
        var px = x.getPixelForValue(day);
        ctx.save();
        ctx.globalAlpha = 0.45;
        dashedLine(ctx, px, barTop, area.bottom, SESSION, [], 1);
        ctx.restore();
        ctx.fillStyle = SESSION;
        ctx.beginPath();
        ctx.moveTo(px - 5, barTop - 9);
        ctx.lineTo(px + 5, barTop - 9);
        ctx.lineTo(px, barTop + 1);
        ctx.closePath();
        ctx.fill();
      });
      if (data.nextDue !== null && inView(data.nextDue)) {
        dashedLine(ctx, x.getPixelForValue(data.nextDue), MARK_TOP, area.bottom, NEXT_DUE, [8, 3, 2, 3], 1.5);
      }
      if (inView(data.today)) {
        dashedLine(ctx, x.getPixelForValue(data.today), MARK_TOP, area.bottom, TODAY, [4, 3], 1.5);
      }
      ctx.restore();
    },
    afterDraw: function (chart, args, options) {
      var x = chart.scales.x;
      var data = options.data;
      var marks = [];
      [["today", data.today], ["due", data.nextDue]].forEach(function (pair) {
        var label = options.labels[pair[0]];
        if (!label) return;
        var shown = pair[1] !== null && pair[1] >= x.min && pair[1] <= x.max;
        label.hidden = !shown;
        if (shown) marks.push({ el: label, x: x.getPixelForValue(pair[1]), width: label.offsetWidth });
      });
      var placed = placeMarkLabels(marks, chart.width);
      marks.forEach(function (m, i) {
        m.el.style.left = chart.canvas.offsetLeft + placed[i].left + "px";
        m.el.style.top = chart.canvas.offsetTop + placed[i].row * MARK_ROW + "px";
      });
    }
  };

  /* Where the "today" and "next due" labels go in the band above the chart: each centred on its
     line and kept inside the canvas, both in the first row unless they would touch, in which case
     the later date takes the second row. No line enters the band, so no line crosses a label. */
  function placeMarkLabels(marks, width) {
    var GAP = 6;
    var boxes = marks.map(function (m) {
      var left = Math.min(Math.max(0, m.x - m.width / 2), Math.max(0, width - m.width));
      return { left: left, right: left + m.width, row: 0, x: m.x };
    });
    if (boxes.length === 2) {
      var a = boxes[0], b = boxes[1];
      if (a.left < b.right + GAP && b.left < a.right + GAP) {
        (a.x > b.x ? a : b).row = 1;
      }
    }
    return boxes;
  }

  function datasets(data) {
    return data.measures.map(function (m) {
      return {
        label: m.label,
        data: m.points.map(function (p) { return { x: p[0], y: p[1] }; }),
        yAxisID: "y_" + m.key,
        borderColor: m.colour,
        backgroundColor: m.colour,
        borderDash: m.dash,
        borderWidth: 1.5,
        pointStyle: POINT_STYLES[m.marker] || "circle",
        pointRadius: 4,
        pointHoverRadius: 7,
        spanGaps: true,
        measure: m
      };
    });
  }

  function scales(data, months) {
    var out = {
      x: {
        type: "linear",
        min: data.viewStart,
        max: data.end,
        afterBuildTicks: function (axis) { axis.ticks = dateTicks(axis.min, axis.max); },
        ticks: {
          autoSkip: true,
          maxRotation: 0,
          color: TEXT,
          callback: function (value, index, ticks) {
            return tickLabel(value, ticks[index].step || 1, index === 0, months);
          }
        },
        grid: { color: "#dde1e7" }
      }
    };
    /* Stacked y axes: one panel per measure. Chart.js stacks later axes above earlier ones, so
       the first measure (the patient's own rating) is added last to sit on top. */
    data.measures.slice().reverse().forEach(function (m, i) {
      if (i > 0) { /* an empty band between two panels, so that their scales never meet */
        out["gap_" + i] = {
          type: "linear", position: "left", stack: "measures", stackWeight: PANEL_GAP_WEIGHT,
          display: false, min: 0, max: 1
        };
      }
      var top = 0;
      m.points.forEach(function (p) { top = Math.max(top, p[1]); });
      var max = m.max !== null ? m.max : Math.max(1, Math.ceil(top));
      out["y_" + m.key] = {
        type: "linear",
        position: "left",
        stack: "measures",
        stackWeight: 1,
        min: -0.06 * max, /* room for the markers at 0 and at the top */
        max: 1.15 * max,
        title: { display: true, text: m.short, color: TEXT, font: { weight: "bold" } },
        ticks: { color: TEXT, stepSize: max / 2, includeBounds: false, precision: 1 },
        afterBuildTicks: function (axis) {
          axis.ticks = [0, max / 2, max].map(function (v) { return { value: v }; });
        },
        grid: { color: "#e6e9ee" },
        border: { display: true, color: "#4a4a4a" },
        /* one width for every panel's scale, wide enough for its title and "100" */
        afterFit: function (axis) { axis.width = Math.max(axis.width, Y_AXIS_WIDTH); }
      };
    });
    return out;
  }

  function build(figure) {
    var source = document.getElementById(figure.getAttribute("data-timeline"));
    var holder = figure.querySelector(".tl-canvas");
    var canvas = holder && holder.querySelector("canvas");
    if (!source || !canvas || typeof window.Chart === "undefined") return;
    var data;
    try {
      data = JSON.parse(source.textContent);
    } catch (err) {
      return; /* the SVG stays */
    }
    if (!data.measures.length && !data.sessions.length) return;
    var months = readText(figure, data);

    var drawing = figure.querySelector(".tl-svg-wrap");
    holder.hidden = false;
    if (drawing) drawing.hidden = true;

    var chart = new window.Chart(canvas, {
      type: "line",
      data: { datasets: datasets(data) },
      plugins: [timelinePlugin],
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        parsing: false,
        normalized: true,
        layout: { padding: { top: 70, right: 12 } }, /* two rows of mark labels, then the injections */
        interaction: { mode: "nearest", intersect: false, axis: "xy" },
        font: { family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" },
        scales: scales(data, months),
        plugins: {
          legend: { display: false }, /* the figure's caption is the legend, with the shapes */
          tooltip: {
            usePointStyle: true,
            callbacks: {
              title: function (items) { return items.length ? dayText(items[0].parsed.x, months) : ""; },
              label: function (item) {
                var m = item.dataset.measure;
                return m.short + ": " + formatValue(m, item.parsed.y);
              }
            }
          },
          hemispasmTimeline: {
            data: data,
            labels: {
              today: holder.querySelector(".tl-mark-today"),
              due: holder.querySelector(".tl-mark-due")
            }
          }
        }
      }
    });

    var group = figure.querySelector(".tl-window");
    if (!group) return;
    var buttons = Array.prototype.slice.call(group.querySelectorAll("button[data-days]"));
    var longest = data.end - data.start;
    var useful = buttons.filter(function (b) {
      var days = b.getAttribute("data-days");
      return days === "all" || Number(days) + 2 * PAD_DAYS < longest;
    });
    if (useful.length < 2) return; /* everything fits in the default window */
    var opened = data.viewStart <= data.start ? "all" : "730";
    buttons.forEach(function (b) {
      b.hidden = useful.indexOf(b) < 0;
      b.setAttribute("aria-pressed", String(b.getAttribute("data-days") === opened));
    });
    group.hidden = false;
    useful.forEach(function (button) {
      button.addEventListener("click", function () {
        var days = button.getAttribute("data-days");
        chart.options.scales.x.min = days === "all"
          ? data.start
          : Math.max(data.start, data.end - Number(days) - 2 * PAD_DAYS);
        chart.update();
        useful.forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
      });
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-timeline]"), build);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
