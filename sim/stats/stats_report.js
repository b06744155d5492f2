// Sorting: a click on a column header sorts the table's rows by that column
// (numbers by value, a time such as 1m30s by its length, the rest as text);
// a second click reverses. Without JavaScript the tables keep their order.
(function () {
  var units = { h: 3600000, m: 60000, s: 1000, ms: 1 };
  function value(text) {
    var t = text.trim();
    if (t === 'never' || t === '-' || t === '') return Infinity;
    var n = Number(t.replace('%', '').replace(/\/.*$/, ''));
    if (!isNaN(n)) return n;
    var total = 0, matched = false, re = /(\d+)(ms|h|m|s)/g, m;
    while ((m = re.exec(t)) !== null) { total += Number(m[1]) * units[m[2]]; matched = true; }
    return matched ? total : t;
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    table.querySelectorAll('th').forEach(function (th, column) {
      th.addEventListener('click', function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var up = th.getAttribute('data-sorted') !== 'up';
        table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('data-sorted'); });
        th.setAttribute('data-sorted', up ? 'up' : 'down');
        rows.sort(function (a, b) {
          var x = value(a.cells[column].textContent), y = value(b.cells[column].textContent);
          var c = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
          return up ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
