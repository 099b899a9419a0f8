// The review of a redacted clip: show a frame, draw a box on it with the mouse or move and
// resize it with the keyboard (the numeric fields are kept in step both ways); drag across the
// waveform to add a range to the list of ranges to mute.
(function () {
  "use strict";

  function number(input) { return parseInt(input.value, 10) || 0; }

  function boxEditor(editor) {
    var svg = editor.querySelector("svg[data-frame]");
    var image = svg.querySelector("[data-frame-image]");
    var rect = svg.querySelector("[data-box]");
    var form = editor.querySelector("[data-box-form]");
    var status = editor.querySelector("[data-frame-status]");
    var field = {};
    ["x", "y", "w", "h"].forEach(function (f) { field[f] = form.querySelector("[data-box-" + f + "]"); });
    var size = svg.viewBox.baseVal;

    function draw() {
      rect.setAttribute("x", number(field.x));
      rect.setAttribute("y", number(field.y));
      rect.setAttribute("width", Math.max(0, number(field.w)));
      rect.setAttribute("height", Math.max(0, number(field.h)));
    }
    function set(x, y, w, h) {
      w = Math.max(2, Math.min(w, size.width));
      h = Math.max(2, Math.min(h, size.height));
      field.x.value = Math.round(Math.max(0, Math.min(x, size.width - w)));
      field.y.value = Math.round(Math.max(0, Math.min(y, size.height - h)));
      field.w.value = Math.round(w);
      field.h.value = Math.round(h);
      draw();
    }
    Object.keys(field).forEach(function (f) { field[f].addEventListener("input", draw); });

    editor.querySelector(".frame-pick").addEventListener("submit", function (e) {
      e.preventDefault();
      var at = editor.querySelector("[data-frame-at]").value;
      var url = editor.dataset.frameUrl + "?at=" + encodeURIComponent(at);
      status.textContent = "Loading the frame…";
      fetch(url, { credentials: "same-origin" }).then(function (answer) {
        if (!answer.ok) {
          return answer.text().then(function (why) { status.textContent = why; });
        }
        var frame = answer.headers.get("X-Frame");
        var time = answer.headers.get("X-Frame-Time");
        return answer.blob().then(function (blob) {
          var reader = new FileReader();
          reader.onload = function () {
            image.setAttribute("href", reader.result);
            form.querySelector("[data-box-at]").value = time;
            status.textContent = "Frame " + frame + " at " + time + " s.";
            svg.dataset.shown = frame;
          };
          reader.readAsDataURL(blob);
        });
      });
    });

    function point(e) {
      var p = svg.createSVGPoint();
      p.x = e.clientX;
      p.y = e.clientY;
      return p.matrixTransform(svg.getScreenCTM().inverse());
    }
    var start = null;
    svg.addEventListener("pointerdown", function (e) {
      start = point(e);
      svg.setPointerCapture(e.pointerId);
      svg.focus();
    });
    svg.addEventListener("pointermove", function (e) {
      if (!start) { return; }
      var p = point(e);
      set(Math.min(start.x, p.x), Math.min(start.y, p.y), Math.abs(p.x - start.x), Math.abs(p.y - start.y));
    });
    svg.addEventListener("pointerup", function () { start = null; });

    svg.addEventListener("keydown", function (e) {
      var step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
      if (!step) { return; }
      e.preventDefault();
      var by = e.altKey ? 10 : 2;
      var x = number(field.x), y = number(field.y), w = number(field.w), h = number(field.h);
      if (w < 2 || h < 2) { w = Math.max(w, 16); h = Math.max(h, 16); }
      if (e.shiftKey) {
        set(x, y, w + step[0] * by, h + step[1] * by);
      } else {
        set(x + step[0] * by, y + step[1] * by, w, h);
      }
    });
    draw();
  }

  function waveform(box) {
    var svg = box.querySelector("svg[data-waveform]");
    var field = box.querySelector("[data-mute-range]");
    var pick = svg.querySelector("[data-pick]");
    var seconds = parseFloat(svg.dataset.seconds);
    var width = svg.viewBox.baseVal.width;
    var start = null, before = "";

    function at(e) {
      var p = svg.createSVGPoint();
      p.x = e.clientX;
      p.y = e.clientY;
      var x = p.matrixTransform(svg.getScreenCTM().inverse()).x;
      return Math.max(0, Math.min(width, x));
    }
    function show(a, b) {
      pick.setAttribute("x", Math.min(a, b));
      pick.setAttribute("width", Math.abs(b - a));
      var from = Math.min(a, b) / width * seconds, to = Math.max(a, b) / width * seconds;
      field.value = (before ? before + " " : "") + from.toFixed(2) + "-" + to.toFixed(2);
    }
    svg.addEventListener("pointerdown", function (e) {
      start = at(e);
      before = field.value.trim();
      svg.setPointerCapture(e.pointerId);
    });
    svg.addEventListener("pointermove", function (e) { if (start !== null) { show(start, at(e)); } });
    svg.addEventListener("pointerup", function (e) {
      if (start !== null) { show(start, at(e)); }
      start = null;
    });
  }

  document.querySelectorAll("[data-box-editor]").forEach(boxEditor);
  document.querySelectorAll("[data-mute-editor]").forEach(waveform);
})();
