// page.js — the audit report's only script (embedded in the page): sorts
// tables by a column, filters a table or the agent cards by text, pages long
// lists ("show all"), opens every card before printing. It reads the page
// and loads nothing.
(function () {
  'use strict';
  function kids(l) { return Array.prototype.slice.call(l.children); }
  function list(el) { return document.getElementById(el.getAttribute('data-for')); }
  // Shows the items that match the filter, a page of them unless "show all".
  function apply(l) {
    var q = (l.q || '').toLowerCase(), page = +l.getAttribute('data-page') || 0, shown = 0, match = 0;
    kids(l).forEach(function (e) {
      var ok = !q || e.textContent.toLowerCase().indexOf(q) >= 0;
      var vis = ok && (l.all || !page || shown < page);
      if (ok) match++;
      if (vis) shown++;
      e.hidden = !vis;
    });
    var b = document.querySelector('button.more[data-for="' + l.id + '"]');
    if (b) {
      b.hidden = match <= shown;
      b.textContent = 'Show all ' + match + ' (' + (match - shown) + ' more)';
    }
  }
  function key(td, num) {
    if (!td) return num ? 0 : '';
    var v = td.getAttribute('data-v');
    if (v === null) v = td.textContent;
    return num ? (parseFloat(v.replace(/,/g, '')) || 0) : v.toLowerCase();
  }
  function sortBy(th) {
    var table = th.closest('table'), tb = table.tBodies[0], i = th.cellIndex, num = th.classList.contains('n');
    var dir = th.getAttribute('aria-sort') === (num ? 'descending' : 'ascending') ? -1 : 1;
    if (num) dir = -dir;
    Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
    var rows = kids(tb);
    rows.sort(function (a, b) {
      var x = key(a.cells[i], num), y = key(b.cells[i], num);
      return (x < y ? -1 : x > y ? 1 : 0) * dir;
    });
    rows.forEach(function (r) { tb.appendChild(r); });
    apply(tb);
  }
  function showAll() {
    document.querySelectorAll('[data-page]').forEach(function (l) { l.all = true; l.q = ''; apply(l); });
    document.querySelectorAll('input.flt').forEach(function (i) { i.value = ''; });
  }
  document.querySelectorAll('[data-page]').forEach(apply);
  document.addEventListener('input', function (ev) {
    var t = ev.target;
    if (!t.matches('input.flt')) return;
    var l = list(t);
    l.q = t.value;
    apply(l);
  });
  document.addEventListener('click', function (ev) {
    var t = ev.target;
    if (t.matches('button.more')) {
      var l = list(t);
      l.all = true;
      apply(l);
    } else if (t.matches('button.open')) {
      var open = t.getAttribute('data-open') === '1';
      list(t).querySelectorAll('details').forEach(function (d) { if (!d.hidden) d.open = open; });
    } else if (t.matches('table.sort th')) {
      sortBy(t);
    }
  });
  // A link to a card on a later page, or closed: show it.
  function reveal() {
    var el = location.hash.length > 1 && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (location.hash === '#all') showAll();
    if (!el) return;
    var l = el.parentNode;
    if (el.hidden && l.hasAttribute('data-page')) { // on a later page, or filtered out
      l.all = true;
      l.q = '';
      document.querySelectorAll('input.flt[data-for="' + l.id + '"]').forEach(function (i) { i.value = ''; });
      apply(l);
    }
    if (el.tagName === 'DETAILS') el.open = true;
    el.scrollIntoView();
  }
  window.addEventListener('hashchange', reveal);
  reveal();
  window.addEventListener('beforeprint', function () {
    showAll();
    document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  });
})();
