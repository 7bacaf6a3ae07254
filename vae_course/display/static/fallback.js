/* vae-course widget stand-in (MIT), for quizzes and figures. A reopened notebook keeps a live
   widget's output, but its widget model died with the kernel: JupyterLab then shows "Error
   displaying widget: model not found" (classic Notebook: "A Jupyter widget could not be
   displayed ...") and never falls back to the output's text/html. This script sits in the
   output just before the quiz's. Where it runs (a trusted notebook) it puts the
   self-contained static view into its own output at once, laid out but invisible and of no
   height, and watches the next output: while the widget is live it removes that copy; if the
   widget failed, or is still "Loading" after 10 s, it hides that output and shows the copy
   (and undoes that if the widget comes to life after all). The copy is put in while the
   script runs because that is when its math can be typeset: JupyterLab has no window.MathJax,
   and typesets an HTML output (its own MathJax, \( \) and $ $) right after running the
   output's scripts and again when the output is attached, never later. Outside a notebook's
   output area (the book, Colab's output frames) it does nothing. In an untrusted notebook it
   does not run and shows nothing. */
(function () {
  "use strict";
  if (window.vaeCourseQuizFallback) {
    return;
  }
  var FAILED = /model not found|could not be displayed|Error displaying widget/;
  var LIVE = ".widget-vbox, .jupyter-widget-vbox";

  function decode(b64) {
    var binary = atob(b64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) {
      bytes[i] = binary.charCodeAt(i);
    }
    return new TextDecoder("utf-8").decode(bytes);
  }

  function insert(holder, html) {
    holder.innerHTML = html;
    /* Scripts set through innerHTML do not run: replace each by a fresh copy, which does. */
    Array.prototype.forEach.call(holder.querySelectorAll("script"), function (old) {
      var fresh = document.createElement("script");
      fresh.textContent = old.textContent;
      old.parentNode.replaceChild(fresh, old);
    });
  }

  /* The copy: laid out (so that math typeset in it is measured right) but invisible and of no
     height until it is needed. */
  var WAITING = "height: 0; overflow: hidden; visibility: hidden";

  function fallback(id) {
    var holder = document.getElementById(id);
    if (!holder || holder.getAttribute("data-ready") === "1") {
      return;
    }
    holder.setAttribute("data-ready", "1");
    var output = holder.closest(".jp-OutputArea-child, .output_area");
    if (!output) {
      return;
    }
    var copy = document.createElement("div");
    copy.setAttribute("style", WAITING);
    copy.setAttribute("aria-hidden", "true");
    holder.appendChild(copy);
    insert(copy, decode(holder.getAttribute("data-view")));
    var shown = false;
    var start = Date.now();
    var timer = setInterval(function () {
      var next = output.nextElementSibling;
      var elapsed = Date.now() - start;
      if (elapsed > 60000) {
        clearInterval(timer);
      }
      if (!next) {
        return;
      }
      if (next.querySelector(LIVE)) {
        next.style.display = "";
        holder.innerHTML = "";
        clearInterval(timer);
        return;
      }
      if (!shown && (FAILED.test(next.textContent || "") || elapsed > 10000)) {
        next.style.display = "none";
        copy.removeAttribute("style");
        copy.removeAttribute("aria-hidden");
        shown = true;
      }
    }, 250);
  }

  window.vaeCourseQuizFallback = fallback;
})();
