/* vae-course static quiz (MIT). Mirrors vae_course/quiz/checking.py; see static.py for the
   payload format. The payload is XOR-obfuscated, not encrypted: it keeps answers out of the
   page source as plain text, nothing more. Questions, choices and blanks are referred to by
   position; no id from the bank is in the page. */
(function () {
  "use strict";
  if (window.vaeCourseQuiz) {
    return;
  }

  /* SHA-256 (FIPS 180-4), written out to need no crypto API: crypto.subtle is missing on
     file:// and plain-http pages. */
  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2
  ];

  function rotr(x, n) {
    return (x >>> n) | (x << (32 - n));
  }

  function sha256hex(text) {
    var bytes = new TextEncoder().encode(text);
    var bitLength = bytes.length * 8;
    var padded = new Uint8Array(((bytes.length + 9 + 63) >> 6) << 6);
    padded.set(bytes);
    padded[bytes.length] = 0x80;
    var view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(bitLength / 0x100000000));
    view.setUint32(padded.length - 4, bitLength >>> 0);
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
             0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var w = new Array(64);
    for (var off = 0; off < padded.length; off += 64) {
      for (var t = 0; t < 16; t++) {
        w[t] = view.getUint32(off + 4 * t);
      }
      for (t = 16; t < 64; t++) {
        var s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
        var s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (t = 0; t < 64; t++) {
        var S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        var ch = (e & f) ^ (~e & g);
        var t1 = (k + S1 + ch + K[t] + w[t]) | 0;
        var S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        var maj = (a & b) ^ (a & c) ^ (b & c);
        var t2 = (S0 + maj) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0;
        d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0;
      h[3] = (h[3] + d) | 0; h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0;
      h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
    }
    return h.map(function (x) {
      return ("00000000" + (x >>> 0).toString(16)).slice(-8);
    }).join("");
  }

  function base64Bytes(text) {
    var binary = atob(text);
    var out = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) {
      out[i] = binary.charCodeAt(i);
    }
    return out;
  }

  function decodePayload(payload, key) {
    var data = base64Bytes(payload);
    var mask = base64Bytes(key);
    for (var i = 0; i < data.length; i++) {
      data[i] ^= mask[i % mask.length];
    }
    return JSON.parse(new TextDecoder("utf-8").decode(data));
  }

  /* The same as normalize_answer in vae_course/quiz/schema.py, step by step (keep the two in
     step; tests/browser/test_quiz_static.py runs both on the same strings). */
  var GREEK_NAMES = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi " +
    "pi rho sigma tau upsilon phi chi psi omega").split(" ");
  var GREEK_LOWER = "\u03b1\u03b2\u03b3\u03b4\u03b5\u03b6\u03b7\u03b8\u03b9\u03ba\u03bb\u03bc" +
    "\u03bd\u03be\u03c0\u03c1\u03c3\u03c4\u03c5\u03c6\u03c7\u03c8\u03c9";
  var TEX_NAMES = {};
  GREEK_NAMES.forEach(function (name, i) {
    var letter = GREEK_LOWER[i];
    TEX_NAMES[name] = letter;
    TEX_NAMES[name[0].toUpperCase() + name.slice(1)] =
      String.fromCharCode(letter.charCodeAt(0) - 32);
  });
  TEX_NAMES.varepsilon = "\u03b5";
  TEX_NAMES.vartheta = "\u03b8";
  TEX_NAMES.varphi = "\u03c6";
  TEX_NAMES.varrho = "\u03c1";
  TEX_NAMES.varsigma = "\u03c3";
  var TEX_SYMBOLS = {approx: "\u2248", sim: "~", cdot: "*", times: "*", mid: "|", vert: "|"};
  var FONT = new RegExp("\\\\(?:mathcal|mathbf|mathrm|mathit|mathbb|mathsf|boldsymbol|bm|text" +
    "|textrm|textit|operatorname)\\s*(?:\\{([^{}]*)\\}|([A-Za-z0-9]))", "g");
  var SPACING = /\\(?:left|right|q?quad)(?![A-Za-z])|\\[,;:! ]/g;
  var TEX_SQRT = /\\sqrt\s*(?:\{([^{}]*)\}|([A-Za-z0-9]))/g;
  var COMMAND = /\\([A-Za-z]+)/g;
  var SCRIPT_BRACES = /([_^])\{([^{}]*)\}/g;
  var WRAPPERS = [["$", "$"], ["\\(", "\\)"], ["\\[", "\\]"], ["\"", "\""], ["'", "'"],
                  ["`", "`"], ["\u201c", "\u201d"], ["\u2018", "\u2019"]];
  var TRAILING = /(?<![.,;:!?])[.,;:!?]+$/;
  var MAX_NORMALIZED = 300;
  var SPACE_AT_SYMBOL = / (?=[^\p{L}\p{N}_ ]|_)|(?<=[^\p{L}\p{N}_ ]) |(?<=_) /gu;
  var SQUARE_ROOT = /square root of |\u221a/gi;
  var SQRT_WORD = /sqrt ?([\p{L}\p{N}]+)/giu;
  var HALF_POWER = /(?<![\p{L}\p{N}])([\p{L}\p{N}]+|\([^()]*\))\^(?:\((?:1\/2|0?\.5)\)|(?:0?\.5)(?![0-9.]))/gu;
  var APPROX = /^[\u2248~]/;
  var ARTICLE = /^(?:the|an?) (?=\S)/i;
  var WORD_RUN = /\p{L}{2,}/gu;
  var NUMBER = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$/i;

  function collapse(text) {
    return text.split(/\s+/).filter(Boolean).join(" ");
  }

  function unwrap(s) {
    for (;;) {
      var before = s;
      s = collapse(s.replace(TRAILING, "").replace(APPROX, "").replace(ARTICLE, ""));
      WRAPPERS.forEach(function (pair) {
        var left = pair[0], right = pair[1];
        if (s.length >= left.length + right.length && s.indexOf(left) === 0 &&
            s.slice(s.length - right.length) === right) {
          s = collapse(s.slice(left.length, s.length - right.length));
        }
      });
      if (s === before) {
        return s;
      }
    }
  }

  function either(a, b) {
    return a !== undefined ? a : b;
  }

  function texToText(s) {
    s = s.replace(SPACING, " ");
    for (;;) {
      var before = s;
      s = s.replace(FONT, function (m, braced, bare) { return either(braced, bare); });
      s = s.replace(TEX_SQRT, function (m, braced, bare) {
        return "sqrt(" + either(braced, bare) + ")";
      });
      if (s === before) {
        break;
      }
    }
    s = s.replace(COMMAND, function (m, name) {
      return Object.prototype.hasOwnProperty.call(TEX_NAMES, name) ? TEX_NAMES[name]
        : Object.prototype.hasOwnProperty.call(TEX_SYMBOLS, name) ? TEX_SYMBOLS[name] : m;
    });
    s = s.replace(SCRIPT_BRACES, function (m, mark, inner) {
      return mark + (/^[\p{L}\p{N}]+$/u.test(inner) ? inner : "(" + inner + ")");
    });
    return collapse(s.replace(/\{/g, "(").replace(/\}/g, ")"));
  }

  function normalize(text) {
    if (Array.from(String(text)).length > MAX_NORMALIZED) {  /* code points, as Python */
      return collapse(String(text));  /* no key is this long: compared as typed */
    }
    var s = collapse(String(text).normalize("NFKC").replace(/\u2212/g, "-"));
    s = texToText(unwrap(s));
    s = unwrap(s).replace(SPACE_AT_SYMBOL, "");
    s = s.replace(SQUARE_ROOT, "sqrt").split("**").join("^");
    s = s.replace(SQRT_WORD, "sqrt($1)");
    s = s.replace(HALF_POWER, function (m, base) {
      return "sqrt(" + base.replace(/^\(/, "").replace(/\)$/, "") + ")";
    });
    s = unwrap(s).replace(SPACE_AT_SYMBOL, "");
    s = s.replace(WORD_RUN, function (w) { return w.toLowerCase(); });
    if (NUMBER.test(s)) {
      var x = Number(s);
      if (isFinite(x)) {
        return x === 0 ? "0" : x.toExponential();
      }
    }
    return s;
  }

  /* The hints show no number: one shown beside a numeric question could be its key
     (checking.NOT_A_NUMBER says the same). */
  var NOT_A_NUMBER =
    "Enter a number in digits (a sign, a decimal point and an exponent are allowed).";

  function parseNumber(text) {
    var s = text.trim().replace(/\u2212/g, "-").replace(/ /g, "");
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
      return null;
    }
    var x = Number(s);
    return isFinite(x) ? x : null;
  }

  function formatPoints(x) {
    return String(Math.round(x * 1e6) / 1e6);
  }

  function scoreText(earned, total) {
    return "Score: " + formatPoints(earned) + " / " + formatPoints(total) +
      " point" + (total === 1 ? "" : "s");
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  var FORMULA = /\\\(([\s\S]+?)\\\)|\\\[([\s\S]+?)\\\]/g;

  /* Where no MathJax can be called (JupyterLab keeps its own to itself and typesets an output
     only as it renders it), put copies of the formulas the stand-in's math bank had typeset
     then in place of the TeX in `element`; TeX the bank lacks stays as it is. */
  function typesetFromBank(element) {
    var root = element.closest(".vaeq");
    var bank = root && root.querySelector(".vaeq-mathbank");
    if (!bank) {
      return;
    }
    var typeset = {};
    Array.prototype.forEach.call(bank.querySelectorAll("[data-tex]"), function (span) {
      var done = span.querySelector("mjx-container, .MathJax");
      if (done) {
        typeset[span.getAttribute("data-tex")] = done;
      }
    });
    var walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    var texts = [];
    while (walker.nextNode()) {
      texts.push(walker.currentNode);
    }
    texts.forEach(function (node) {
      var text = node.nodeValue;
      var parts = document.createDocumentFragment();
      var last = 0;
      var found = false;
      text.replace(FORMULA, function (whole, inline, display, at) {
        var math = typeset[inline !== undefined ? "(" + inline : "[" + display];
        if (!math) {
          return whole;
        }
        found = true;
        parts.appendChild(document.createTextNode(text.slice(last, at)));
        parts.appendChild(math.cloneNode(true));
        last = at + whole.length;
        return whole;
      });
      if (found) {
        parts.appendChild(document.createTextNode(text.slice(last)));
        node.parentNode.replaceChild(parts, node);
      }
    });
  }

  function typeset(element) {
    var mj = window.MathJax;
    if (mj && typeof mj.typesetPromise === "function") {  /* MathJax 3: the book */
      mj.typesetPromise([element]).catch(function () {});
    } else if (mj && mj.Hub && typeof mj.Hub.Queue === "function") {  /* 2: Notebook 6 */
      mj.Hub.Queue(["Typeset", mj.Hub, element]);
    } else {
      typesetFromBank(element);
    }
  }

  function blankSummary(right) {
    if (right.length === 1) {
      return "the blank is not right.";
    }
    return right.map(function (ok, i) {
      return "blank " + (i + 1) + " is " + (ok ? "right" : "not");
    }).join("; ") + ".";
  }

  /* Returns {correct, details} or {incomplete: message}. ``ref`` is the question number. */
  function evaluate(question, data, salt, ref) {
    var type = question.getAttribute("data-type");
    var details = [];
    if (type === "single" || type === "multiple") {
      var chosen = Array.prototype.filter.call(
        question.querySelectorAll("input"), function (input) { return input.checked; }
      ).map(function (input) { return Number(input.value); });
      if (chosen.length === 0) {
        return {incomplete: type === "single" ? "Choose an answer first."
                                              : "Choose at least one answer first."};
      }
      var canonical = chosen.slice().sort(function (a, b) { return a - b; }).join(",");
      var correct = sha256hex(salt + "\n" + ref + "\n" + canonical) === data.h;
      if (type === "multiple" && !correct) {
        details.push("your selection is not exactly the set of correct answers.");
      }
      chosen.forEach(function (i) {
        if (data.fb[i]) { details.push(data.fb[i]); }
      });
      return {correct: correct, details: details};
    }
    if (type === "fill_blank") {
      var blanks = question.querySelectorAll(".vaeq-blank");
      var right = [];
      for (var i = 0; i < blanks.length; i++) {
        if (!collapse(blanks[i].value)) {
          return {incomplete: "Fill in every blank first."};
        }
        var value = normalize(blanks[i].value);
        var hash = sha256hex(salt + "\n" + ref + "\n" + i + "\n" + value);
        right.push(data.b[i].indexOf(hash) >= 0);
      }
      var all = right.every(Boolean);
      return {correct: all, details: all ? [] : [blankSummary(right)]};
    }
    var input = question.querySelector("input");
    var x = parseNumber(input.value);
    if (x === null) {
      return {incomplete: NOT_A_NUMBER};
    }
    var inside = data.lo <= x && x <= data.hi;
    if (!inside) {
      details.push(escapeHtml(String(x)) + " is too " + (x < data.lo ? "low" : "high") + ".");
    }
    return {correct: inside, details: details};
  }

  function init(id) {
    var root = document.getElementById(id);
    if (!root || root.getAttribute("data-ready") === "1") {
      return;
    }
    root.setAttribute("data-ready", "1");
    var note = root.querySelector(".vaeq-offline");
    if (note) {
      note.parentNode.removeChild(note);  /* the script runs: the quiz works here */
    }
    var key = root.getAttribute("data-key");
    var salt = root.getAttribute("data-salt");
    var total = Number(root.getAttribute("data-total"));
    var score = document.getElementById(id + "-score");
    var questions = root.querySelectorAll(".vaeq-question");
    var earned = {};

    function updateScore() {
      var sum = 0;
      Object.keys(earned).forEach(function (k) { sum += earned[k]; });
      score.textContent = scoreText(sum, total);
    }

    Array.prototype.forEach.call(questions, function (question, index) {
      var ref = String(index + 1);

      function checkAnswer() {
        var feedback = question.querySelector(".vaeq-feedback");
        var data = decodePayload(question.getAttribute("data-payload"), key);
        var result = evaluate(question, data, salt, ref);
        feedback.classList.remove("vaeq-right", "vaeq-wrong");
        if (result.incomplete) {
          feedback.innerHTML = "<p>" + escapeHtml(result.incomplete) + "</p>";
          return;
        }
        var words = result.correct
          ? "<strong>Correct.</strong>" + (result.details.length ? " " + result.details.join(" ") : "")
          : "<strong>Not quite:</strong> " + (result.details.join(" ") || "that is not the answer.");
        feedback.classList.add(result.correct ? "vaeq-right" : "vaeq-wrong");
        feedback.innerHTML =
          '<p><span aria-hidden="true">' + (result.correct ? "\u2714" : "\u2718") + "</span> " +
          words + "</p><p><em>Explanation:</em> " + data.ex + "</p>";
        earned[ref] = result.correct ? Number(question.getAttribute("data-points")) : 0;
        updateScore();
        typeset(feedback);
      }

      question.querySelector(".vaeq-check").addEventListener("click", checkAnswer);
      /* Enter in a text field checks, as a form would, but nothing is ever submitted. */
      Array.prototype.forEach.call(
        question.querySelectorAll("input[type='text']"), function (input) {
          input.addEventListener("keydown", function (event) {
            if (event.key === "Enter") {
              event.preventDefault();
              checkAnswer();
            }
          });
        }
      );
    });
  }

  window.vaeCourseQuiz = {
    init: init, sha256hex: sha256hex, normalize: normalize, parseNumber: parseNumber
  };
})();
