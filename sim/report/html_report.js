(function () {
  'use strict';
  var svg = document.getElementById('tl');
  var X0 = +svg.dataset.x0, X1 = +svg.dataset.x1, END = Math.max(+svg.dataset.end, 1);
  var MIN_RANGE = 10;  // ms
  var v0 = 0, v1 = END;
  var spans = Array.prototype.slice.call(svg.querySelectorAll('.s'));
  var points = Array.prototype.slice.call(svg.querySelectorAll('.p'));
  var labels = Array.prototype.slice.call(svg.querySelectorAll('.sl'));
  var grid = document.getElementById('grid');
  var labelRows = {};  // data-row -> its labelled points in time order
  points.forEach(function (el) {
    var label = el.querySelector('.pl');
    if (!el.dataset.row || !label) return;
    (labelRows[el.dataset.row] = labelRows[el.dataset.row] || []).push(
        { t: +el.dataset.t, label: label, dx: +label.getAttribute('x') });
  });
  for (var key in labelRows) labelRows[key].sort(function (p, q) { return p.t - q.t; });
  var NS = 'http://www.w3.org/2000/svg';

  function X(t) { return X0 + (t - v0) * (X1 - X0) / (v1 - v0); }
  function T(x) { return v0 + (x - X0) * (v1 - v0) / (X1 - X0); }
  function fmt(ms) {
    ms = Math.round(ms);
    if (ms === 0) return '0s';
    var h = Math.floor(ms / 3600000); ms -= h * 3600000;
    var m = Math.floor(ms / 60000); ms -= m * 60000;
    var s = Math.floor(ms / 1000); ms -= s * 1000;
    return (h ? h + 'h' : '') + (m ? m + 'm' : '') + (s ? s + 's' : '') + (ms ? ms + 'ms' : '');
  }
  function parse(text) {
    var re = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;
    var m = re.exec(text.trim());
    if (!m || text.trim() === '') return NaN;
    return (+(m[1] || 0)) * 3600000 + (+(m[2] || 0)) * 60000 + (+(m[3] || 0)) * 1000 + (+(m[4] || 0));
  }
  function tickStep(range) {
    var steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000,
                 60000, 120000, 300000, 600000, 900000, 1800000, 3600000, 7200000, 10800000,
                 21600000, 43200000, 86400000];
    for (var i = 0; i < steps.length; i++) if (range / steps[i] <= 12) return steps[i];
    var s = 86400000;
    while (range / s > 12) s *= 2;
    return s;
  }
  function drawTicks(id, y, up) {
    var g = document.getElementById(id);
    while (g.firstChild) g.removeChild(g.firstChild);
    var step = tickStep(v1 - v0);
    for (var t = Math.ceil(v0 / step) * step; t <= v1; t += step) {
      var x = X(t);
      var line = document.createElementNS(NS, 'line');
      line.setAttribute('x1', x); line.setAttribute('x2', x);
      line.setAttribute('y1', up ? y - 5 : y); line.setAttribute('y2', up ? y : y + 5);
      line.setAttribute('stroke', '#888');
      g.appendChild(line);
      var text = document.createElementNS(NS, 'text');
      text.setAttribute('x', x); text.setAttribute('y', up ? y - 8 : y + 17);
      text.setAttribute('text-anchor', 'middle');
      text.setAttribute('class', 'tick');
      text.textContent = fmt(t);
      g.appendChild(text);
    }
    if (grid && id === 'ticks-top') {
      while (grid.firstChild) grid.removeChild(grid.firstChild);
      for (var u = Math.ceil(v0 / step) * step; u <= v1; u += step) {
        var gl = document.createElementNS(NS, 'line');
        gl.setAttribute('x1', X(u)); gl.setAttribute('x2', X(u));
        gl.setAttribute('y1', grid.dataset.y0); gl.setAttribute('y2', grid.dataset.y1);
        gl.setAttribute('stroke', '#ececec');
        grid.appendChild(gl);
      }
    }
  }
  function render() {
    var i, el, a, b, mw;
    for (i = 0; i < spans.length; i++) {
      el = spans[i];
      a = X(+el.dataset.a); b = X(+el.dataset.b);
      if (b < X0 || a > X1) { el.setAttribute('display', 'none'); continue; }
      el.removeAttribute('display');
      a = Math.max(a, X0); b = Math.min(b, X1);
      mw = el.dataset.mw ? +el.dataset.mw : 1.5;
      el.setAttribute('x', a.toFixed(1));
      el.setAttribute('width', Math.max(b - a, mw).toFixed(1));
    }
    for (i = 0; i < points.length; i++) {
      el = points[i];
      var x = X(+el.dataset.t);
      if (x < X0 - 1 || x > X1 + 1) { el.setAttribute('display', 'none'); continue; }
      el.removeAttribute('display');
      el.setAttribute('transform', 'translate(' + x.toFixed(1) + ',0)');
    }
    // Labels of one row, left to right: hide one that would overlap the last
    // shown; near the right edge, put it left of its marker.
    for (var row in labelRows) {
      var lastX = -Infinity, list = labelRows[row];
      for (i = 0; i < list.length; i++) {
        var label = list[i].label, px = X(list[i].t);
        if (px < X0 - 1 || px > X1 + 1) continue;
        var len = label.getComputedTextLength();
        var left = px + list[i].dx + len > X1 + 4;
        label.setAttribute('x', left ? -list[i].dx : list[i].dx);
        label.setAttribute('text-anchor', left ? 'end' : 'start');
        var from = left ? px - list[i].dx - len : px - 7;
        var free = from > lastX;
        label.setAttribute('visibility', free ? 'visible' : 'hidden');
        if (free) lastX = left ? px + 7 : px + list[i].dx + len;
      }
    }
    for (i = 0; i < labels.length; i++) {
      el = labels[i];
      a = Math.max(X(+el.dataset.a), X0); b = Math.min(X(+el.dataset.b), X1);
      el.setAttribute('x', (a + 3).toFixed(1));
      var fits = b - a > el.getComputedTextLength() + 6;
      el.setAttribute('visibility', fits ? 'visible' : 'hidden');
    }
    drawTicks('ticks-top', +document.getElementById('ticks-top').dataset.y, true);
    drawTicks('ticks-bottom', +document.getElementById('ticks-bottom').dataset.y, false);
    var win = document.getElementById('overview-window');
    if (win) {
      var ox0 = X0 + v0 / END * (X1 - X0), ox1 = X0 + v1 / END * (X1 - X0);
      win.setAttribute('x', ox0.toFixed(1));
      win.setAttribute('width', Math.max(ox1 - ox0, 2).toFixed(1));
    }
    document.getElementById('readout').textContent =
        'showing ' + fmt(v0) + ' \u2013 ' + fmt(v1) + '  (' + fmt(v1 - v0) + ' of ' + fmt(END) + ')';
    if (started) {
      var hash = (v0 === 0 && v1 === END) ? location.pathname + location.search
                                          : '#t=' + fmt(v0) + '-' + fmt(v1);
      try { history.replaceState(null, '', hash); } catch (e) { /* file: URLs may refuse */ }
    }
  }
  var started = false;
  function show(a, b) {
    if (b - a < MIN_RANGE) { var c = (a + b) / 2; a = c - MIN_RANGE / 2; b = c + MIN_RANGE / 2; }
    if (b - a > END) { a = 0; b = END; }
    if (a < 0) { b -= a; a = 0; }
    if (b > END) { a -= b - END; b = END; }
    v0 = Math.max(0, a); v1 = Math.min(END, b);
    render();
  }
  function zoom(factor, at) {
    if (at === undefined) at = (v0 + v1) / 2;
    show(at - (at - v0) * factor, at + (v1 - at) * factor);
  }
  function pan(fraction) { var d = (v1 - v0) * fraction; show(v0 + d, v1 + d); }
  // For tests and the console: discosimShow(from_ms, to_ms), discosimView().
  window.discosimShow = show;
  window.discosimView = function () { return [v0, v1]; };

  function svgX(evt) {
    var p = svg.createSVGPoint();
    p.x = evt.clientX; p.y = evt.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }
  svg.addEventListener('wheel', function (evt) {
    var p = svgX(evt);
    if (evt.ctrlKey || evt.metaKey || evt.altKey) {
      evt.preventDefault();
      zoom(Math.exp(evt.deltaY * 0.002), T(Math.min(Math.max(p.x, X0), X1)));
    } else if (Math.abs(evt.deltaX) > Math.abs(evt.deltaY) || evt.shiftKey) {
      evt.preventDefault();
      pan((evt.shiftKey ? evt.deltaY : evt.deltaX) / 1000);
    }
  }, { passive: false });

  var drag = null, brush = document.getElementById('brush');
  var axisBottom = +svg.dataset.axis;  // y under which a drag selects a range
  svg.addEventListener('mousedown', function (evt) {
    if (evt.button !== 0) return;
    var p = svgX(evt);
    if (p.x < X0) return;
    drag = { x: p.x, v0: v0, v1: v1, select: evt.shiftKey || p.y < axisBottom };
    if (drag.select) {
      brush.setAttribute('x', p.x); brush.setAttribute('width', 0);
      brush.removeAttribute('display');
    } else {
      svg.classList.add('dragging');
    }
    evt.preventDefault();
  });
  window.addEventListener('mousemove', function (evt) {
    if (!drag) return;
    var p = svgX(evt), x = Math.min(Math.max(p.x, X0), X1);
    if (drag.select) {
      brush.setAttribute('x', Math.min(x, drag.x));
      brush.setAttribute('width', Math.abs(x - drag.x));
    } else {
      var dt = (drag.x - p.x) * (drag.v1 - drag.v0) / (X1 - X0);
      v0 = drag.v0; v1 = drag.v1;
      show(drag.v0 + dt, drag.v1 + dt);
    }
  });
  window.addEventListener('mouseup', function (evt) {
    if (!drag) return;
    var p = svgX(evt), x = Math.min(Math.max(p.x, X0), X1);
    if (drag.select) {
      brush.setAttribute('display', 'none');
      if (Math.abs(x - drag.x) > 3) show(T(Math.min(x, drag.x)), T(Math.max(x, drag.x)));
    }
    svg.classList.remove('dragging');
    drag = null;
  });
  svg.addEventListener('dblclick', function (evt) {
    var p = svgX(evt);
    if (p.x >= X0) zoom(evt.shiftKey ? 2 : 0.5, T(p.x));
  });
  document.addEventListener('keydown', function (evt) {
    if (evt.target && evt.target.tagName === 'INPUT') return;
    var k = evt.key;
    if (k === '+' || k === '=' || k === 'w') zoom(0.5);
    else if (k === '-' || k === 's') zoom(2);
    else if (k === '0') show(0, END);
    else if (k === 'a' || k === 'ArrowLeft') pan(-0.2);
    else if (k === 'd' || k === 'ArrowRight') pan(0.2);
  });
  document.getElementById('fit').onclick = function () { show(0, END); };
  document.getElementById('zin').onclick = function () { zoom(0.5); };
  document.getElementById('zout').onclick = function () { zoom(2); };
  document.getElementById('left').onclick = function () { pan(-0.2); };
  document.getElementById('right').onclick = function () { pan(0.2); };
  document.getElementById('range').addEventListener('change', function (evt) {
    var parts = evt.target.value.split(/\s*(?:-|\u2013|to|\.\.)\s*/);
    var a = parse(parts[0] || ''), b = parse(parts[1] || '');
    if (isNaN(a)) return;
    if (isNaN(b)) { b = a + (v1 - v0) / 2; a = a - (v1 - v0) / 2; }
    show(Math.min(a, b), Math.max(a, b));
  });
  var tableRows = document.querySelectorAll('tr.go');
  for (var r = 0; r < tableRows.length; r++) {
    tableRows[r].addEventListener('click', function () {
      var t = +this.dataset.t, half = Math.max(1000, END / 80);
      show(t - half, t + half);
      svg.scrollIntoView({ block: 'nearest' });
    });
  }
  // A link may name the range to show: report.html#t=12m3s-12m5s.
  var m = /^#t=([0-9hms]+)-([0-9hms]+)$/.exec(location.hash);
  if (m && !isNaN(parse(m[1])) && !isNaN(parse(m[2])) && parse(m[2]) > parse(m[1])) {
    show(parse(m[1]), parse(m[2]));
  } else {
    render();
  }
  started = true;
  svg.setAttribute('data-ready', '1');
})();
