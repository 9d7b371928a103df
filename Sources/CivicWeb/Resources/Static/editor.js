// The handbook editor's line numbers: a gutter beside the source that follows its lines and its scrolling,
// so the line numbers of the lint listing can be found in the text being edited. Without scripts the
// textarea works as before.
(function () {
  "use strict";
  var source = document.getElementById("source");
  if (!source || !source.classList.contains("source")) return;
  var editor = document.createElement("div");
  editor.className = "editor";
  var gutter = document.createElement("pre");
  gutter.className = "gutter";
  gutter.setAttribute("aria-hidden", "true");
  source.parentNode.insertBefore(editor, source);
  editor.appendChild(gutter);
  editor.appendChild(source);
  source.setAttribute("wrap", "off");
  var shown = 0;
  function number() {
    var lines = source.value.split("\n").length;
    if (lines !== shown) {
      var text = "";
      for (var line = 1; line <= lines; line++) text += line + "\n";
      gutter.textContent = text;
      shown = lines;
    }
    gutter.scrollTop = source.scrollTop;
  }
  // The gutter is as tall as the textarea (which the person may resize), never taller.
  function fit() { gutter.style.height = source.offsetHeight + "px"; }
  if (window.ResizeObserver) new ResizeObserver(fit).observe(source);
  fit();
  source.addEventListener("input", number);
  source.addEventListener("scroll", function () { gutter.scrollTop = source.scrollTop; });
  number();
})();
