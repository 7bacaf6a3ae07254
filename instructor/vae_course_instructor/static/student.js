/* vae-course assignment page (MIT). Records the answers and builds the responses file
   (format: vae_course/quiz/responses.py). It never checks answers: the page has none. */
(function () {
  "use strict";
  var skeleton = JSON.parse(document.getElementById("vaes-data").textContent);
  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

  function answerOf(form) {
    var type = form.getAttribute("data-type");
    var i;
    if (type === "single") {
      var picked = form.querySelector("input:checked");
      return picked ? { value: picked.value } : null;
    }
    if (type === "multiple") {
      var boxes = form.querySelectorAll("input:checked");
      var ids = [];
      for (i = 0; i < boxes.length; i++) { ids.push(boxes[i].value); }
      return ids.length ? { value: ids } : null;
    }
    if (type === "fill_blank") {
      var blanks = form.querySelectorAll(".vaeq-blank");
      var filled = {};
      for (i = 0; i < blanks.length; i++) {
        var word = blanks[i].value.split(/\s+/).filter(Boolean).join(" ");
        if (!word) { return null; }
        filled[blanks[i].getAttribute("data-blank")] = word;
      }
      return { value: filled };
    }
    var text = form.querySelector("input").value.trim().replace(/\u2212/g, "-").replace(/ /g, "");
    if (!text) { return null; }
    if (!NUMBER.test(text) || !isFinite(parseFloat(text))) {
      return { problem: "enter a number in digits (a sign, a decimal point and an exponent are allowed)" };
    }
    return { value: parseFloat(text) };
  }

  function build() {
    var now = new Date().toISOString().replace(/\.\d{3}Z$/, "+00:00");
    var doc = JSON.parse(JSON.stringify(skeleton));
    doc.saved_at = now;
    doc.attempts = [];
    var missing = [];
    var forms = document.querySelectorAll("form.vaeq-question");
    for (var i = 0; i < forms.length; i++) {
      var got = answerOf(forms[i]);
      if (!got) { missing.push("question " + (i + 1) + ": not answered"); continue; }
      if (got.problem) { missing.push("question " + (i + 1) + ": " + got.problem); continue; }
      doc.attempts.push({ question_id: forms[i].getAttribute("data-qid"), answer: got.value,
                          correct: false, points: 0, time: now });
    }
    return { doc: doc, missing: missing, total: forms.length };
  }

  document.getElementById("vaes-download").addEventListener("click", function () {
    var result = build();
    var text = JSON.stringify(result.doc, null, 2) + "\n";
    document.getElementById("vaes-json").value = text;
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    link.download = "responses-" + skeleton.student_id + ".json";
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
    var status = "Saved " + result.doc.attempts.length + " of " + result.total + " answers.";
    if (result.missing.length) { status += " " + result.missing.join("; ") + "."; }
    document.getElementById("vaes-status").textContent = status;
  });
  document.addEventListener("submit", function (event) { event.preventDefault(); });
})();
