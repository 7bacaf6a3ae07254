// vae-course: the trained decoder's forward pass in the page (see display/decoder.py).
// Defines window.VAECourse once per page: load(spec) unpacks a decoder, noise(seed, n)
// draws standard normals (the generator mirrored in Python by decoder.prior_noise),
// interpolate(...) is latent.interpolate, draw(...) paints digits on a canvas.
(function () {
  "use strict";
  if (window.VAECourse) { return; }

  function bytes(b64) {
    var text = atob(b64), out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { out[i] = text.charCodeAt(i); }
    return out;
  }

  function float32s(b64) {
    var raw = bytes(b64), view = new DataView(raw.buffer);
    var out = new Float32Array(raw.length / 4);
    for (var i = 0; i < out.length; i++) { out[i] = view.getFloat32(4 * i, true); }
    return out;
  }

  // `bits`-bit integers (12 if not given) in one bit stream, most significant bit first,
  // offset 2^(bits-1); times one scale per row. 12 bits: two weights in three bytes.
  function layer(spec) {
    var n = spec.rows * spec.cols, packed = bytes(spec.q), scale = float32s(spec.scale);
    var bits = spec.bits || 12, offset = 1 << (bits - 1), w = new Float32Array(n);
    if (bits === 12) {
      for (var k = 0, j = 0; k < n; k += 2, j += 3) {
        w[k] = ((packed[j] << 4) | (packed[j + 1] >> 4)) - 2048;
        if (k + 1 < n) { w[k + 1] = (((packed[j + 1] & 15) << 8) | packed[j + 2]) - 2048; }
      }
    } else {
      for (var i = 0, at = 0; i < n; i++) {
        var v = 0;
        for (var b = 0; b < bits; b++, at++) {
          v = (v << 1) | ((packed[at >> 3] >> (7 - (at & 7))) & 1);
        }
        w[i] = v - offset;
      }
    }
    for (var r = 0; r < spec.rows; r++) {
      for (var c = 0; c < spec.cols; c++) { w[r * spec.cols + c] *= scale[r]; }
    }
    return { rows: spec.rows, cols: spec.cols, w: w, bias: float32s(spec.bias) };
  }

  // y = W x + b (W: rows x cols, row-major as PyTorch stores it), optionally ReLU.
  function affine(L, x, relu) {
    var y = new Float64Array(L.rows);
    for (var r = 0; r < L.rows; r++) {
      var sum = L.bias[r], base = r * L.cols;
      for (var c = 0; c < L.cols; c++) { sum += L.w[base + c] * x[c]; }
      y[r] = relu && sum < 0 ? 0 : sum;
    }
    return y;
  }

  // The same for an input that is mostly zeros (a drawing): only its nonzero entries count.
  function affineSparse(L, x, relu) {
    var on = [], y = new Float64Array(L.rows), c, j;
    for (c = 0; c < L.cols; c++) { if (x[c] !== 0) { on.push(c); } }
    for (var r = 0; r < L.rows; r++) {
      var sum = L.bias[r], base = r * L.cols;
      for (j = 0; j < on.length; j++) { c = on[j]; sum += L.w[base + c] * x[c]; }
      y[r] = relu && sum < 0 ? 0 : sum;
    }
    return y;
  }

  // Decoders already unpacked in this page, by their key (decoder.spec_key), so that a figure
  // can use the decoder an earlier figure carried: VAECourse.shared(key).
  var registry = {};

  function load(spec) {
    if (spec.key && registry[spec.key]) { return registry[spec.key]; }
    // ReLU after the first layer; any further layers are linear (two for the MLP decoder,
    // three for a low-rank one, whose last two factor the output layer: see betaslider.py).
    var layers = spec.layers.map(layer);
    function logits(z) {
      var y = affine(layers[0], z, true);
      for (var i = 1; i < layers.length; i++) { y = affine(layers[i], y, false); }
      return y;
    }
    var decoder = {
      d: spec.d,
      side: spec.side,
      // z: d numbers -> side*side logits (before the sigmoid)
      logits: logits,
      // z: d numbers -> side*side pixel values in [0, 1] (the decoder's sigmoid mean)
      decode: function (z) {
        var logits = decoder.logits(z);
        var pixels = new Float32Array(logits.length);
        for (var i = 0; i < logits.length; i++) { pixels[i] = 1 / (1 + Math.exp(-logits[i])); }
        return pixels;
      }
    };
    if (spec.key) { registry[spec.key] = decoder; }
    return decoder;
  }

  function shared(key) { return registry[key] || null; }

  // The MLP encoder (see decoder.export_encoder): pixels (side*side numbers) -> mu, logvar.
  function loadEncoder(spec) {
    var hidden = layer(spec.layers[0]), mu = layer(spec.layers[1]);
    var logvar = layer(spec.layers[2]);
    return {
      d: spec.d,
      side: spec.side,
      encode: function (x) {
        var h = affineSparse(hidden, x, true);
        return { mu: affine(mu, h, false), logvar: affine(logvar, h, false) };
      }
    };
  }

  // A Weyl sequence through the murmur3 finalizer: uniforms in (0, 1).
  function uniforms(seed, n) {
    var state = seed >>> 0, out = new Float64Array(n);
    for (var i = 0; i < n; i++) {
      state = (state + 0x9E3779B9) >>> 0;
      var x = state;
      x = Math.imul(x ^ (x >>> 16), 0x85EBCA6B) >>> 0;
      x = Math.imul(x ^ (x >>> 13), 0xC2B2AE35) >>> 0;
      x = (x ^ (x >>> 16)) >>> 0;
      out[i] = (x + 0.5) / 4294967296;
    }
    return out;
  }

  // n standard normals (Box-Muller on pairs of uniforms).
  function noise(seed, n) {
    var u = uniforms(seed, 2 * Math.ceil(n / 2)), out = new Float64Array(n);
    for (var i = 0; 2 * i < n; i++) {
      var radius = Math.sqrt(-2 * Math.log(u[2 * i])), angle = 2 * Math.PI * u[2 * i + 1];
      out[2 * i] = radius * Math.cos(angle);
      if (2 * i + 1 < n) { out[2 * i + 1] = radius * Math.sin(angle); }
    }
    return out;
  }

  function norm(v) {
    var s = 0;
    for (var i = 0; i < v.length; i++) { s += v[i] * v[i]; }
    return Math.sqrt(s);
  }

  // The point at fraction t from z0 to z1: lerp, or slerp (direction along the great circle,
  // norm linear), as latent.interpolate computes it.
  function interpolate(z0, z1, t, method) {
    var d = z0.length, out = new Float64Array(d), i;
    if (t === 0 || t === 1) { return Float64Array.from(t === 0 ? z0 : z1); }
    for (i = 0; i < d; i++) { out[i] = (1 - t) * z0[i] + t * z1[i]; }
    var n0 = norm(z0), n1 = norm(z1);
    if (method !== "slerp" || n0 === 0 || n1 === 0) { return out; }
    var diff = new Float64Array(d), sum = new Float64Array(d);
    for (i = 0; i < d; i++) {
      diff[i] = z0[i] / n0 - z1[i] / n1;
      sum[i] = z0[i] / n0 + z1[i] / n1;
    }
    var omega = 2 * Math.atan2(norm(diff), norm(sum));
    if (omega < 1e-4) { return out; }
    var a = Math.sin((1 - t) * omega), b = Math.sin(t * omega), s = Math.sin(omega);
    var length = (1 - t) * n0 + t * n1;
    for (i = 0; i < d; i++) { out[i] = length * (a * z0[i] / n0 + b * z1[i] / n1) / s; }
    return out;
  }

  // Paint one digit (dark ink on white) at (x, y) of a canvas, `scale` screen pixels a pixel.
  function draw(ctx, pixels, side, x, y, scale) {
    var image = ctx.createImageData(side * scale, side * scale), data = image.data;
    for (var r = 0; r < side * scale; r++) {
      for (var c = 0; c < side * scale; c++) {
        var v = pixels[Math.floor(r / scale) * side + Math.floor(c / scale)];
        var ink = Math.round(255 * (1 - Math.min(1, Math.max(0, v))));
        var k = 4 * (r * side * scale + c);
        data[k] = data[k + 1] = data[k + 2] = ink;
        data[k + 3] = 255;
      }
    }
    ctx.putImageData(image, x, y);
  }

  function fmt(v) { var s = v.toFixed(2); return s === "-0.00" ? "0.00" : s; }

  window.VAECourse = {
    load: load, loadEncoder: loadEncoder, shared: shared, noise: noise, interpolate: interpolate, draw: draw,
    fmt: fmt, float32s: float32s
  };
})();
