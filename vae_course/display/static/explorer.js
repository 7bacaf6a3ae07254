// The latent explorer's static view: sliders step through a sprite of decoded frames.
// CONFIG is replaced by the figure's JSON configuration.
(function () {
  var cfg = CONFIG;
  var root = document.getElementById(cfg.id);
  if (!root) { return; }
  var view = document.getElementById(cfg.id + "-view");
  var out = document.getElementById(cfg.id + "-readout");
  var inputs = cfg.names.map(function (_, k) {
    return document.getElementById(cfg.id + "-a" + k);
  });
  function fmt(v) { var s = v.toFixed(2); return s === "-0.00" ? "0.00" : s; }
  function draw() {
    var index = 0, parts = [];
    inputs.forEach(function (input, k) {
      var i = Number(input.value);
      index = index * cfg.values[k].length + i;
      var text = cfg.names[k] + " = " + fmt(cfg.values[k][i]);
      input.setAttribute("aria-valuetext", text);
      parts.push(text);
    });
    var r = Math.floor(index / cfg.columns), c = index % cfg.columns;
    view.style.backgroundPosition = (-c * cfg.width) + "px " + (-r * cfg.height) + "px";
    root.setAttribute("data-frame", String(index));
    out.textContent = parts.join(", ");
  }
  inputs.forEach(function (input) { input.addEventListener("input", draw); });
  draw();
})();
