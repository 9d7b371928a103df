// The password page's strength meter (ASVS V2.1.8): as the new password is typed, a meter and a word say
// how hard it would be to guess, from its length, the kinds of characters in it, and repeats and runs
// ("aaaa", "1234"), which guessers try first. The server still decides (length and the list of common
// passwords); without scripts the page shows the rules only.
(function () {
  "use strict";
  var input = document.getElementById("password");
  var meter = document.getElementById("strength");
  var word = document.getElementById("strength-word");
  if (!input || !meter || !word) return;
  var words = [meter.dataset.weak, meter.dataset.fair, meter.dataset.good, meter.dataset.strong];
  function bits(text) {
    var chars = Array.from(text);
    var pool = 0;
    if (/[a-z]/.test(text)) pool += 26;
    if (/[A-Z]/.test(text)) pool += 26;
    if (/[0-9]/.test(text)) pool += 10;
    if (/[^A-Za-z0-9]/.test(text)) pool += 33;
    if (/[^\u0000-\u007f]/.test(text)) pool += 1000;
    var effective = 0;
    for (var i = 0; i < chars.length; i++) {
      var here = chars[i].codePointAt(0);
      var before = i > 0 ? chars[i - 1].codePointAt(0) : null;
      // A repeat or a step of one from the character before adds little.
      effective += (before !== null && Math.abs(here - before) <= 1) ? 0.25 : 1;
    }
    return effective * Math.log2(Math.max(pool, 2));
  }
  function update() {
    var text = input.value;
    var score = text.length === 0 ? 0 : bits(text);
    var level = score < 40 ? 0 : score < 60 ? 1 : score < 80 ? 2 : 3;
    meter.value = Math.min(score, 100);
    meter.hidden = false;
    word.textContent = text.length === 0 ? "" : words[level];
  }
  input.addEventListener("input", update);
  update();
}());
