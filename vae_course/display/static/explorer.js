// The latent explorer's static view; the figure's JSON configuration replaces the placeholder below.
// With cfg.decoder (window.VAECourse, decoder.js) the page decodes every slider position
// itself and the sliders move continuously; without it they step through a sprite of
// frames decoded when the book was built.
(function () {
  "use strict";
  var cfg = CONFIG;
  var root = document.getElementById(cfg.id);
  if (!root) { return; }
  var out = document.getElementById(cfg.id + "-readout");
  var inputs = cfg.names.map(function (_, k) {
    return document.getElementById(cfg.id + "-a" + k);
  });
  var fmt = function (v) { var s = v.toFixed(2); return s === "-0.00" ? "0.00" : s; };
  var decoder = null, ctx = null, canvas = null, view = null;
  if (cfg.decoder && window.VAECourse) {
    decoder = window.VAECourse.load(cfg.decoder);
    canvas = document.getElementById(cfg.id + "-canvas");
    ctx = canvas.getContext("2d");
    root.vaeDecoder = decoder;  // for tests and curious readers: root.vaeDecoder.decode(z)
    root.vaeCheck = cfg.decoder.check;  // latent vectors and PyTorch's pixels for them
  } else {
    view = document.getElementById(cfg.id + "-view");
  }

  function latent(values) {
    if (cfg.path.kind === "plane") { return Float64Array.from(values); }
    return window.VAECourse.interpolate(cfg.path.z0, cfg.path.z1, values[0], cfg.path.method);
  }

  function draw() {
    var parts = [], values = [], index = 0;
    inputs.forEach(function (input, k) {
      var v = decoder ? Number(input.value) : cfg.values[k][Number(input.value)];
      if (!decoder) { index = index * cfg.values[k].length + Number(input.value); }
      var text = cfg.names[k] + " = " + fmt(v);
      input.setAttribute("aria-valuetext", text);
      parts.push(text);
      values.push(v);
    });
    if (decoder) {
      var z = latent(values);
      window.VAECourse.draw(ctx, decoder.decode(z), decoder.side, 0, 0, cfg.scale);
      root.setAttribute("data-z", Array.from(z).map(fmt).join(","));
      if (cfg.path.kind !== "plane") {
        var norm = Math.sqrt(z.reduce(function (s, v) { return s + v * v; }, 0));
        parts.push("|z| = " + fmt(norm));
      }
    } else {
      var r = Math.floor(index / cfg.columns), c = index % cfg.columns;
      view.style.backgroundPosition = (-c * cfg.width) + "px " + (-r * cfg.height) + "px";
      root.setAttribute("data-frame", String(index));
    }
    out.textContent = parts.join(", ");
  }
  inputs.forEach(function (input) { input.addEventListener("input", draw); });
  // With the decoder the range's own step is fine (for the mouse), so an arrow key would move
  // it too little to see: keys move by cfg.keySteps instead (Page Up/Down five of them).
  var KEYS = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1, PageUp: 5, PageDown: -5 };
  if (decoder) {
    inputs.forEach(function (input, k) {
      input.addEventListener("keydown", function (event) {
        var move = KEYS[event.key];
        if (!move || event.altKey || event.ctrlKey || event.metaKey) { return; }
        event.preventDefault();
        var value = Number(input.value) + move * cfg.keySteps[k];
        input.value = String(Math.min(Number(input.max), Math.max(Number(input.min), value)));
        draw();
      });
    });
  }
  draw();
  document.getElementById(cfg.id + "-note").textContent = cfg.note;
})();
