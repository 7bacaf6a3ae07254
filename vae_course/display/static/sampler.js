// The prior sampler's static view; the figure's JSON configuration replaces the placeholder.
// Each press of Sample moves to the next seed, draws eps ~ N(0, I) with VAECourse.noise (the
// generator that decoder.prior_noise mirrors in Python), decodes z = tau * eps in the page.
(function () {
  "use strict";
  var cfg = CONFIG;
  var root = document.getElementById(cfg.id);
  if (!root || !window.VAECourse) { return; }
  var lib = window.VAECourse, decoder = lib.load(cfg.decoder);
  var canvas = document.getElementById(cfg.id + "-canvas"), ctx = canvas.getContext("2d");
  var button = document.getElementById(cfg.id + "-sample");
  var slider = document.getElementById(cfg.id + "-tau");
  var out = document.getElementById(cfg.id + "-readout");
  var n = cfg.rows * cfg.columns, d = decoder.d, side = decoder.side, cell = side * cfg.scale + 2;
  var seed = cfg.seed;
  root.vaeDecoder = decoder;  // for tests and curious readers: root.vaeDecoder.decode(z)
  root.vaeCheck = cfg.decoder.check;  // latent vectors and PyTorch's pixels for them

  function render() {
    var tau = Number(slider.value), eps = lib.noise(seed, n * d), first = [];
    ctx.fillStyle = "#d8d8d8";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    for (var k = 0; k < n; k++) {
      var z = new Float64Array(d);
      for (var i = 0; i < d; i++) { z[i] = tau * eps[k * d + i]; }
      if (k === 0) { first = Array.from(z.slice(0, 3)).map(lib.fmt); }
      var row = Math.floor(k / cfg.columns), col = k % cfg.columns;
      lib.draw(ctx, decoder.decode(z), side, col * cell + 1, row * cell + 1, cfg.scale);
    }
    root.setAttribute("data-seed", String(seed));
    out.textContent = "seed " + seed + ", temperature τ = " + lib.fmt(tau) +
      "; first digit's z = (" + first.join(", ") + (d > 3 ? ", ..." : "") + ")";
    canvas.setAttribute("aria-label", n + " digits decoded from z = τε, ε ~ N(0, I), seed " +
      seed + ", τ = " + lib.fmt(tau));
  }
  button.addEventListener("click", function () { seed += 1; render(); });
  slider.addEventListener("input", render);
  render();
  document.getElementById(cfg.id + "-note").textContent = "This page decodes with the trained " +
    "decoder itself: press Sample (or Enter on the button) for new digits; the slider scales z.";
})();
