// The beta slider's static view (see display/betaslider.py); the figure's JSON replaces the
// placeholder below. Every model's decoder is in the page (low rank, 8 bits); moving the
// slider decodes the same prior draws and the test digits' codes with the chosen model and
// moves the red point on the rate-distortion plot.
(function () {
  "use strict";
  var cfg = CONFIG;
  var root = document.getElementById(cfg.id);
  if (!root || !window.VAECourse) { return; }
  var lib = window.VAECourse, decoders = cfg.decoders.map(lib.load);
  function el(name) { return document.getElementById(cfg.id + "-" + name); }
  var slider = el("beta"), plot = el("plot"), ctx = plot.getContext("2d");
  var eps = lib.noise(cfg.seed, cfg.samples * cfg.d), updates = 0;

  function scale(values, low, high) {
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    var pad = (hi - lo) * 0.1 || 1;
    return function (v) { return low + (v - lo + pad) / (hi - lo + 2 * pad) * (high - low); };
  }
  var x = scale(cfg.rates, 44, plot.width - 44), y = scale(cfg.distortions, plot.height - 30, 14);

  function drawPlot(selected) {
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, plot.width, plot.height);
    ctx.strokeStyle = "#444444";
    ctx.beginPath();
    ctx.moveTo(40, 5); ctx.lineTo(40, plot.height - 25); ctx.lineTo(plot.width - 5, plot.height - 25);
    ctx.stroke();
    ctx.fillStyle = "#444444";
    ctx.font = "11px sans-serif";
    ctx.fillText("rate R (nats) →", plot.width - 95, plot.height - 8);
    ctx.save(); ctx.translate(12, plot.height - 30); ctx.rotate(-Math.PI / 2);
    ctx.fillText("distortion Δ (nats) →", 0, 0); ctx.restore();
    ctx.strokeStyle = "#999999";
    ctx.beginPath();
    cfg.betas.forEach(function (b, i) {
      var px = x(cfg.rates[i]), py = y(cfg.distortions[i]);
      if (i === 0) { ctx.moveTo(px, py); } else { ctx.lineTo(px, py); }
    });
    ctx.stroke();
    cfg.betas.forEach(function (b, i) {
      var px = x(cfg.rates[i]), py = y(cfg.distortions[i]), mine = i === selected;
      ctx.fillStyle = mine ? "#d00000" : "#777777";
      ctx.beginPath();
      ctx.arc(px, py, mine ? 6 : 3.5, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillText("β=" + b, px + 6, py - 6);
    });
  }

  function row(canvas, zs, decoder) {
    var c = canvas.getContext("2d");
    c.fillStyle = "#d8d8d8";
    c.fillRect(0, 0, canvas.width, canvas.height);
    zs.forEach(function (z, k) { lib.draw(c, decoder.decode(z), 28, k * 58 + 1, 1, 2); });
  }

  function render() {
    var i = Number(slider.value), decoder = decoders[i], d = cfg.d, zs = [];
    for (var k = 0; k < cfg.samples; k++) { zs.push(eps.slice(k * d, (k + 1) * d)); }
    row(el("samples"), zs, decoder);
    row(el("recons"), cfg.codes[i], decoder);
    drawPlot(i);
    var text = "β = " + cfg.betas[i] + ": rate R = " + cfg.rates[i].toFixed(2) +
      " nats, distortion Δ = " + cfg.distortions[i].toFixed(1) + " nats";
    el("readout").textContent = text;
    slider.setAttribute("aria-valuetext", "β = " + cfg.betas[i]);
    updates += 1;
    root.setAttribute("data-beta", String(cfg.betas[i]));
    root.setAttribute("data-updates", String(updates));
    root.dispatchEvent(new CustomEvent("vae-beta-update"));
  }
  slider.addEventListener("input", render);
  root.vaeBeta = { decoders: decoders, check: cfg.check, codes: cfg.codes, eps: eps };
  render();
  el("note").textContent = "This page decodes with every model of the sweep itself (each " +
    "decoder cut to low rank and 8 bits): move the slider, or use the arrow keys on it.";
})();
