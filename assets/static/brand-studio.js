// Brand studio: live colour preview and contrast ratios while typing. The form works without this script;
// the server checks everything again on save.
(function () {
  "use strict";
  var form = document.getElementById("brand-form");
  if (!form) return;

  function parse(hex) {
    var match = /^#([0-9a-f]{6})$/i.exec((hex || "").trim());
    if (!match) return null;
    var value = parseInt(match[1], 16);
    return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
  }
  function luminance(rgb) {
    var channels = rgb.map(function (c) {
      c = c / 255;
      return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }
  function ratio(a, b) {
    var x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }
  function readableOn(rgb) {
    var white = [255, 255, 255], black = [17, 17, 17];
    return ratio(white, rgb) >= ratio(black, rgb) ? white : black;
  }
  function hexOf(rgb) {
    return "#" + rgb.map(function (c) { return ("0" + c.toString(16)).slice(-2); }).join("");
  }
  function value(id) { return parse(document.getElementById(id).value); }

  var swatch = document.getElementById("swatch");
  var rows = document.querySelectorAll("#contrast tbody tr");

  function update() {
    var primary = value("primary-color"), background = value("background-color");
    var text = value("text-color"), link = value("link-color");
    if (!primary || !background || !text || !link) return;
    var buttonText = readableOn(primary);
    swatch.style.background = hexOf(background);
    swatch.style.color = hexOf(text);
    swatch.querySelector("a").style.color = hexOf(link);
    var button = swatch.querySelector(".swatch__button");
    button.style.background = hexOf(primary);
    button.style.color = hexOf(buttonText);
    var pairs = [[text, background], [buttonText, primary], [link, background]];
    pairs.forEach(function (pair, index) {
      var row = rows[index];
      if (!row) return;
      var r = ratio(pair[0], pair[1]);
      var passes = r >= 4.5;
      row.cells[1].textContent = (Math.floor(r * 100) / 100).toFixed(2) + ":1";
      row.cells[2].textContent = passes ? "passes" : "fails (save to see a suggested colour)";
      row.className = passes ? "check--ok" : "check--failed";
    });
  }

  document.querySelectorAll(".colour-picker").forEach(function (picker) {
    var text = document.getElementById(picker.getAttribute("data-for"));
    picker.hidden = false;
    picker.addEventListener("input", function () { text.value = picker.value; update(); });
    text.addEventListener("input", function () {
      if (parse(text.value)) picker.value = text.value.trim().toLowerCase();
      update();
    });
  });
  update();
})();
