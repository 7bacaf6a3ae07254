// The drawing pad's static view (see display/drawpad.py); the figure's JSON replaces the
// placeholder below.
// Every stroke: encode the binary drawing with the page's encoder (mu, log-variance), draw the
// point and its 1- and 2-sigma ellipses over the training codes, decode g(mu) and the draws
// z = mu + sigma * eps, and show log p(x | z = mu) and KL(q(z|x) || N(0, I)) as numbers and bars.
(function () {
  "use strict";
  var cfg = CONFIG;
  var root = document.getElementById(cfg.id);
  if (!root || !window.VAECourse) { return; }
  var lib = window.VAECourse;
  function el(name) { return document.getElementById(cfg.id + "-" + name); }
  // The decoder travels in this figure, or in an earlier figure of the page (by its key).
  var decoder = cfg.decoder.layers ? lib.load(cfg.decoder) : lib.shared(cfg.decoder.key);
  if (!decoder) {
    el("note").textContent = "This figure decodes with the decoder that the latent explorer " +
      "of the same model carries into the page, and this page has no such figure before it.";
    return;
  }
  var encoder = lib.loadEncoder(cfg.encoder);
  var side = decoder.side, n = side * side, zoom = cfg.zoom, k = cfg.samples;
  var pad = el("pad"), padCtx = pad.getContext("2d");
  var plane = el("plane"), planeCtx = plane.getContext("2d");
  var reconCtx = el("recon").getContext("2d"), samplesCtx = el("samples").getContext("2d");
  var eps = lib.noise(cfg.seed, k * 2);
  var pixels = new Uint8Array(n), cursor = { r: 14, c: 14 }, focused = false, updates = 0;
  var colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf"];

  function bitsOf(b64) {  // 784 pixels packed 8 a byte, first pixel in the top bit
    var raw = atob(b64), out = new Uint8Array(n);
    for (var i = 0; i < n; i++) { out[i] = (raw.charCodeAt(i >> 3) >> (7 - (i & 7))) & 1; }
    return out;
  }
  var codes = (function () {  // int16 pairs times one scale
    var raw = atob(cfg.codes.q), view = new DataView(new ArrayBuffer(raw.length));
    for (var i = 0; i < raw.length; i++) { view.setUint8(i, raw.charCodeAt(i)); }
    var out = new Float64Array(raw.length / 2);
    for (var j = 0; j < out.length; j++) { out[j] = view.getInt16(2 * j, true) * cfg.codes.scale; }
    return out;
  })();
  var labels = atob(cfg.codes.labels);

  // Everything the figure shows for a binary drawing x (n numbers in {0, 1}).
  function compute(x) {
    var input = Float64Array.from(x), q = encoder.encode(input), mu = q.mu, sigma = [], kl = 0;
    for (var i = 0; i < mu.length; i++) {
      sigma.push(Math.exp(0.5 * q.logvar[i]));
      kl += 0.5 * (mu[i] * mu[i] + Math.exp(q.logvar[i]) - 1 - q.logvar[i]);
    }
    var logits = decoder.logits(mu), recon = new Float32Array(n), rec = 0;
    for (var j = 0; j < n; j++) {  // x l - log(1 + e^l) = log Bernoulli(x; sigmoid(l))
      var l = logits[j];
      recon[j] = 1 / (1 + Math.exp(-l));
      rec += x[j] * l - (Math.max(l, 0) + Math.log1p(Math.exp(-Math.abs(l))));
    }
    var draws = [], samples = [];
    for (var s = 0; s < k; s++) {
      var z = [mu[0] + sigma[0] * eps[2 * s], mu[1] + sigma[1] * eps[2 * s + 1]];
      draws.push(z);
      samples.push(decoder.decode(z));
    }
    return { mu: Array.from(mu), sigma: sigma, recon: recon, samples: samples, z: draws,
      reconstruction: rec, kl: kl };
  }

  function toPlane(z) {  // latent coordinates -> canvas pixels (z2 grows upwards)
    var half = plane.width / 2;
    return [half + z[0] / cfg.limit * half, half - z[1] / cfg.limit * half];
  }

  // The axes and the training codes do not change: drawn once, then copied at every stroke.
  var backdrop = null;
  function drawBackdrop() {
    backdrop = document.createElement("canvas");
    backdrop.width = plane.width;
    backdrop.height = plane.height;
    var ctx = backdrop.getContext("2d"), w = plane.width, half = w / 2;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, w, w);
    ctx.strokeStyle = "#cccccc";
    ctx.beginPath();
    ctx.moveTo(0, half); ctx.lineTo(w, half); ctx.moveTo(half, 0); ctx.lineTo(half, w);
    ctx.stroke();
    ctx.fillStyle = "#555555";
    ctx.font = "11px sans-serif";
    ctx.fillText("z1 = " + cfg.limit, w - 44, half - 4);
    ctx.fillText("z2 = " + cfg.limit, half + 4, 11);
    ctx.globalAlpha = 0.35;
    for (var i = 0; i < labels.length; i++) {
      var p = toPlane([codes[2 * i], codes[2 * i + 1]]);
      ctx.fillStyle = colours[labels.charCodeAt(i) % 10];
      ctx.fillRect(p[0] - 1, p[1] - 1, 2, 2);
    }
    ctx.globalAlpha = 1;
  }

  function drawPlane(t) {
    var ctx = planeCtx, unit = plane.width / 2 / cfg.limit;
    if (!backdrop) { drawBackdrop(); }
    ctx.drawImage(backdrop, 0, 0);
    var centre = toPlane(t.mu);
    [2, 1].forEach(function (m) {  // the m-sigma ellipse of q(z|x), axis-aligned
      ctx.beginPath();
      ctx.ellipse(centre[0], centre[1], Math.max(m * t.sigma[0] * unit, 0.5),
        Math.max(m * t.sigma[1] * unit, 0.5), 0, 0, 2 * Math.PI);
      ctx.fillStyle = m === 1 ? "rgba(0,0,0,0.18)" : "rgba(0,0,0,0.08)";
      ctx.fill();
      ctx.lineWidth = m === 1 ? 2 : 1;
      ctx.strokeStyle = "#000000";
      ctx.stroke();
    });
    t.z.forEach(function (z) {
      var p = toPlane(z);
      ctx.strokeStyle = "#000000";
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(p[0] - 4, p[1] - 4); ctx.lineTo(p[0] + 4, p[1] + 4);
      ctx.moveTo(p[0] - 4, p[1] + 4); ctx.lineTo(p[0] + 4, p[1] - 4);
      ctx.stroke();
    });
    ctx.fillStyle = "#d00000";
    ctx.beginPath();
    ctx.arc(centre[0], centre[1], 4, 0, 2 * Math.PI);
    ctx.fill();
  }

  function drawPad() {
    lib.draw(padCtx, Float32Array.from(pixels), side, 0, 0, zoom);
    if (focused) {
      padCtx.strokeStyle = "#d00000";
      padCtx.lineWidth = 2;
      padCtx.strokeRect(cursor.c * zoom + 1, cursor.r * zoom + 1, zoom - 2, zoom - 2);
    }
  }

  function bar(name, value, full) {
    el("bar-" + name).style.width = Math.min(100, 100 * Math.abs(value) / full) + "%";
  }

  function update() {
    var start = performance.now(), t = compute(pixels);
    drawPad();
    drawPlane(t);
    lib.draw(reconCtx, t.recon, side, 0, 0, cfg.reconZoom);
    samplesCtx.fillStyle = "#d8d8d8";
    samplesCtx.fillRect(0, 0, el("samples").width, el("samples").height);
    t.samples.forEach(function (img, s) {
      lib.draw(samplesCtx, img, side, s * (side * 2 + 2) + 1, 1, 2);
    });
    var full = Math.max(cfg.fullScale, -t.reconstruction + t.kl);
    bar("rec", t.reconstruction, full);
    bar("kl", t.kl, full);
    el("rec").textContent = t.reconstruction.toFixed(1) + " nats";
    el("kl").textContent = t.kl.toFixed(2) + " nats";
    el("scale").textContent = "Bar length: the size of each term in nats; full width " +
      Math.round(full) + " nats.";
    var ink = 0;
    for (var i = 0; i < n; i++) { ink += pixels[i]; }
    el("readout").textContent = "μ = (" + lib.fmt(t.mu[0]) + ", " + lib.fmt(t.mu[1]) +
      "), σ = (" + t.sigma[0].toFixed(3) + ", " + t.sigma[1].toFixed(3) + "); ELBO at z = μ: " +
      (t.reconstruction - t.kl).toFixed(1) + " nats; " + ink + " ink pixels";
    updates += 1;
    api.state = t;
    api.ms = performance.now() - start;
    root.setAttribute("data-updates", String(updates));
    root.dispatchEvent(new CustomEvent("vae-drawpad-update", { detail: t }));
  }

  function paint(r, c, value) {  // a brush of 2 x 2 pixels, top-left at (r, c)
    for (var dr = 0; dr < 2; dr++) {
      for (var dc = 0; dc < 2; dc++) {
        var rr = r + dr, cc = c + dc;
        if (rr >= 0 && rr < side && cc >= 0 && cc < side) { pixels[rr * side + cc] = value; }
      }
    }
  }

  // Pointer input: mouse, touch and pen alike; a fast move is filled in along its line.
  var last = null;
  function cell(event) {
    var box = pad.getBoundingClientRect();
    return { r: Math.floor((event.clientY - box.top) / box.height * side),
      c: Math.floor((event.clientX - box.left) / box.width * side) };
  }
  function strokeTo(p) {
    var from = last || p, steps = Math.max(Math.abs(p.r - from.r), Math.abs(p.c - from.c), 1);
    for (var s = 0; s <= steps; s++) {
      paint(Math.round(from.r + (p.r - from.r) * s / steps),
        Math.round(from.c + (p.c - from.c) * s / steps), 1);
    }
    last = p;
    update();
  }
  pad.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    try { pad.setPointerCapture(event.pointerId); } catch (e) { /* a synthetic pointer */ }
    last = null;
    strokeTo(cell(event));
  });
  pad.addEventListener("pointermove", function (event) {
    if (last !== null) { strokeTo(cell(event)); }
  });
  ["pointerup", "pointercancel"].forEach(function (type) {
    pad.addEventListener(type, function () { last = null; });
  });

  // Keyboard: arrows move the cursor (with Shift they paint as they go), Space paints,
  // Delete or Backspace erases the brush at the cursor.
  var moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  pad.addEventListener("keydown", function (event) {
    var move = moves[event.key];
    if (move) {
      cursor.r = Math.min(side - 2, Math.max(0, cursor.r + move[0]));
      cursor.c = Math.min(side - 2, Math.max(0, cursor.c + move[1]));
      if (event.shiftKey) { paint(cursor.r, cursor.c, 1); update(); } else { drawPad(); }
    } else if (event.key === " ") {
      paint(cursor.r, cursor.c, 1);
      update();
    } else if (event.key === "Delete" || event.key === "Backspace") {
      paint(cursor.r, cursor.c, 0);
      update();
    } else {
      return;
    }
    event.preventDefault();
  });
  pad.addEventListener("focus", function () { focused = true; drawPad(); });
  pad.addEventListener("blur", function () { focused = false; drawPad(); });

  var example = -1, examples = cfg.examples.map(bitsOf);
  el("clear").addEventListener("click", function () { pixels.fill(0); update(); });
  el("example").addEventListener("click", function () {
    example = (example + 1) % examples.length;
    pixels.set(examples[example]);
    update();
  });

  var api = {
    pixels: pixels,
    compute: function (x) { return compute(x); },
    set: function (x) { pixels.set(x); update(); },
    check: cfg.check,
    checkBits: cfg.check.bits.map(bitsOf),
    limit: cfg.limit,
    decoderKey: cfg.decoder.key,
    state: null,
    ms: 0
  };
  root.vaePad = api;  // for the tests and curious readers
  pixels.set(examples[0]);
  example = 0;
  update();
  el("note").textContent = "This page encodes and decodes with the trained networks " +
    "themselves, at every stroke.";
})();
