// Findings explorer: search, status filter and column sort over the findings tables of Appendix A.
// Progressive: without this script every table is readable; it only hides rows and reorders them.
(function () {
  'use strict';
  var tools = document.getElementById('explorer-tools');
  var root = document.getElementById('explorer');
  if (!tools || !root) return;
  tools.hidden = false;
  var search = document.getElementById('f-search');
  var status = document.getElementById('f-status');
  var count = document.getElementById('f-count');
  var groups = Array.prototype.slice.call(root.querySelectorAll('.rule-group'));
  var rows = Array.prototype.slice.call(root.querySelectorAll('tbody tr'));
  rows.forEach(function (tr) {
    var g = tr.closest('.rule-group');
    var head = g ? g.querySelector('.rule-summary').textContent : '';
    tr.dataset.text = (head + ' ' + tr.textContent).toLowerCase();
  });
  var initialOpen = groups.map(function (g) {
    return g.open;
  });
  function apply() {
    var q = search.value.trim().toLowerCase();
    var st = status.value;
    var shown = 0;
    rows.forEach(function (tr) {
      var ok = (!q || tr.dataset.text.indexOf(q) !== -1) && (!st || tr.dataset.status === st);
      tr.hidden = !ok;
      if (ok) shown++;
    });
    groups.forEach(function (g, i) {
      var any = g.querySelector('tbody tr:not([hidden])') !== null;
      g.hidden = !any;
      g.open = q || st ? any : initialOpen[i];
    });
    count.value = shown + ' of ' + rows.length + ' listed findings shown';
  }
  search.addEventListener('input', apply);
  status.addEventListener('change', apply);
  root.addEventListener('click', function (ev) {
    var th = ev.target.closest('th[data-sort]');
    if (!th) return;
    var table = th.closest('table');
    var idx = Array.prototype.indexOf.call(th.parentNode.children, th);
    var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
    Array.prototype.forEach.call(th.parentNode.children, function (c) {
      c.removeAttribute('aria-sort');
    });
    th.setAttribute('aria-sort', dir);
    var body = table.tBodies[0];
    var list = Array.prototype.slice.call(body.rows);
    list.sort(function (a, b) {
      var x = a.cells[idx].textContent.trim();
      var y = b.cells[idx].textContent.trim();
      return dir === 'ascending' ? x.localeCompare(y) : y.localeCompare(x);
    });
    list.forEach(function (r) {
      body.appendChild(r);
    });
  });
  // Printing from the browser: closed <details> would not print, so open them all while printing.
  var printOpen = [];
  window.addEventListener('beforeprint', function () {
    printOpen = groups.map(function (g) {
      return g.open;
    });
    groups.forEach(function (g) {
      g.open = true;
    });
  });
  window.addEventListener('afterprint', function () {
    groups.forEach(function (g, i) {
      g.open = printOpen[i];
    });
  });
  apply();
})();
