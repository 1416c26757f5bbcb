// Draws every <canvas data-chart="ID"> from the JSON in <script type="application/json" id="ID">.
// Chart data travels as JSON, never as inline script, so the page's CSP can forbid inline code.
(function () {
  "use strict";
  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    spec.options = spec.options || {};
    spec.options.responsive = true;
    spec.options.maintainAspectRatio = false;
    spec.options.animation = false;
    new Chart(canvas, spec);
  }
  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
