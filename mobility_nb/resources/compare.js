/* Comparison reports: sorting and filtering only. Every table is complete in the HTML;
   without JavaScript the page reads the same, with nothing to sort or filter. */
(function () {
  'use strict';
  var main = document.querySelector('main.mnb-report');
  if (!main) { return; }

  function norm(s) {
    return s.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  }
  function number(text) {
    var m = (text || '').replace(/\u2212/g, '-').replace(/,/g, '').match(/-?\d+(\.\d+)?/);
    return m ? parseFloat(m[0]) : NaN;
  }

  /* Filters: by pillar (sections) and by place (rows), built here so that a reader
     without JavaScript never sees controls that do nothing. */
  var box = document.getElementById('mnb-controls');
  var sections = main.querySelectorAll('section[data-pillar]');
  var rows = main.querySelectorAll('tr[data-place]');
  if (box && (sections.length || rows.length)) {
    var form = document.createElement('form');
    form.setAttribute('role', 'search');
    form.setAttribute('aria-label', 'Filter the tables');
    var html = '';
    if (sections.length) {
      html += '<label for="mnb-f-pillar">Pillar<select id="mnb-f-pillar">' +
        '<option value="">All pillars</option>';
      for (var i = 0; i < sections.length; i++) {
        var h = sections[i].querySelector('h2, h3');
        html += '<option value="' + sections[i].getAttribute('data-pillar') + '">' +
          (h ? h.textContent : sections[i].id) + '</option>';
      }
      html += '</select></label>';
    }
    if (rows.length) {
      html += '<label for="mnb-f-place">Place (name or code)' +
        '<input id="mnb-f-place" type="search" autocomplete="off"></label>';
    }
    html += '<p id="mnb-f-count" role="status" aria-live="polite"></p>';
    form.innerHTML = html;
    box.appendChild(form);
    var pillar = document.getElementById('mnb-f-pillar');
    var place = document.getElementById('mnb-f-place');
    var count = document.getElementById('mnb-f-count');
    var states = main.querySelectorAll('details.mnb-state');
    var apply = function () {
      var p = pillar ? pillar.value : '';
      var q = place ? norm(place.value.trim()) : '';
      for (var i = 0; i < sections.length; i++) {
        sections[i].hidden = !!p && sections[i].getAttribute('data-pillar') !== p;
      }
      var seen = {};
      var shown = 0;
      for (var j = 0; j < rows.length; j++) {
        var key = rows[j].getAttribute('data-place');
        var ok = !q || key.indexOf(q) >= 0;
        rows[j].hidden = !ok;
        if (ok && !seen[key]) { seen[key] = 1; shown++; }
      }
      for (var k = 0; k < states.length; k++) {
        var state = states[k];
        var any = state.querySelector('tr[data-place]:not([hidden])');
        state.hidden = !any;
        if (q && any && !state.open) { state.open = true; state.setAttribute('data-opened', ''); }
        if (!q && state.hasAttribute('data-opened')) {
          state.open = false;
          state.removeAttribute('data-opened');
        }
      }
      if (count) {
        count.textContent = q ? (shown ? shown + ' place' + (shown === 1 ? '' : 's') +
          ' match.' : 'No place matches; clear the search to see all.') : '';
      }
    };
    var timer = null;
    form.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(apply, rows.length > 2000 ? 250 : 0);
    });
    form.addEventListener('submit', function (e) { e.preventDefault(); });
  }

  /* Sorting: a button in each sortable column header; best first, then reversed. */
  var tables = main.querySelectorAll('table.mnb-sortable');
  for (var t = 0; t < tables.length; t++) {
    (function (table) {
      var heads = table.querySelectorAll('thead th[data-sort]');
      for (var c = 0; c < heads.length; c++) {
        (function (th) {
          var button = document.createElement('button');
          button.type = 'button';
          button.className = 'sort';
          while (th.firstChild) { button.appendChild(th.firstChild); }
          th.appendChild(button);
          button.addEventListener('click', function () {
            var col = Array.prototype.indexOf.call(th.parentNode.children, th);
            var kind = th.getAttribute('data-sort');
            var first = kind === 'name' ? 'ascending' : 'descending';
            var order = th.getAttribute('aria-sort') === first ?
              (first === 'ascending' ? 'descending' : 'ascending') : first;
            var up = order === 'ascending';
            var all = table.querySelectorAll('thead th[aria-sort]');
            for (var a = 0; a < all.length; a++) { all[a].removeAttribute('aria-sort'); }
            th.setAttribute('aria-sort', order);
            var body = table.tBodies[0];
            var list = Array.prototype.slice.call(body.rows);
            var key = function (row) {
              var cell = row.children[col];
              if (!cell) { return NaN; }
              if (kind === 'name') { return norm(cell.textContent); }
              var part = kind === 's' ? cell.querySelector('small') : cell.firstChild;
              return number(part ? part.textContent : '');
            };
            var keys = list.map(function (row) { return [key(row), row]; });
            keys.sort(function (x, y) {
              var a = x[0], b = y[0];
              if (kind === 'name') { return a === b ? 0 : ((a < b) === up ? -1 : 1); }
              if (isNaN(a)) { return isNaN(b) ? 0 : 1; }
              if (isNaN(b)) { return -1; }
              return up ? a - b : b - a;
            });
            list = keys.map(function (k) { return k[1]; });
            for (var r = 0; r < list.length; r++) { body.appendChild(list[r]); }
          });
        })(heads[c]);
      }
    })(tables[t]);
  }

  /* Print everything: closed sections open before printing. */
  window.addEventListener('beforeprint', function () {
    var closed = main.querySelectorAll('details:not([open])');
    for (var d = 0; d < closed.length; d++) { closed[d].open = true; }
  });
})();
