/*
 * The dashboard's script, served by the twin as /assets/dashboard.js (the page's CSP allows no other).
 * It polls the JSON API every few seconds and redraws without a reload: tables from DOM nodes (text only,
 * never HTML from data), charts with uPlot (served by the twin from its own node_modules). Numbers are
 * rounded here for people; the API keeps them exact. The charts are kept in `window.dashboard.charts` so
 * tests can read what each one draws.
 */
(function () {
  'use strict';
  var POLL_MS = 5000;
  var main = document.getElementById('view');
  var view = main.dataset.view;
  var param = main.dataset.param;
  var state = { charts: {}, data: {}, polls: 0, errors: 0 };
  window.dashboard = state;

  // ---- formatting: rounded for people ----
  function num(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    return String(Number(Number(v).toPrecision(digits || 4)));
  }
  function when(iso) {
    if (!iso) return '–';
    return String(iso).replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, 'Z').replace(/Z$/, ' UTC');
  }
  function duration(s) {
    if (s === null || s === undefined || !isFinite(s)) return '–';
    if (s < 60) return num(s, 3) + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + Math.round((s % 3600) / 60) + ' min';
  }
  function secs(iso) { return Date.parse(iso) / 1000; }

  // ---- DOM helpers: text only ----
  function el(tag, attrs) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'class') node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }
  function link(href, text) { return el('a', { href: href, text: text }); }
  function status(text) { return el('span', { class: String(text).replace(/[^A-Za-z_-]/g, ''), text: text }); }
  /** rows: arrays of cells (string or node); numeric columns right-aligned. */
  function table(headers, rows, empty, numeric) {
    if (!rows.length) return el('p', { class: 'empty', text: empty });
    numeric = numeric || [];
    var head = el('tr');
    headers.forEach(function (h, i) { head.appendChild(el('th', { scope: 'col', class: numeric.indexOf(i) >= 0 ? 'num' : '', text: h })); });
    var body = el('tbody');
    rows.forEach(function (r) {
      var tr = el('tr');
      r.forEach(function (c, i) { tr.appendChild(el('td', { class: numeric.indexOf(i) >= 0 ? 'num' : '' }, c === null || c === undefined ? '–' : typeof c === 'object' ? c : String(c))); });
      body.appendChild(tr);
    });
    return el('div', { class: 'table-wrap' }, el('table', {}, el('thead', {}, head), body));
  }
  function facts(pairs) {
    var dl = el('dl', { class: 'facts' });
    pairs.forEach(function (p) { dl.appendChild(el('dt', { text: p[0] })); dl.appendChild(el('dd', {}, p[1] === null || p[1] === undefined ? '–' : typeof p[1] === 'object' ? p[1] : String(p[1]))); });
    return dl;
  }
  function card(label, value) { return el('div', { class: 'card' }, el('div', { class: 'label', text: label }), el('div', { class: 'value', text: value })); }
  /** A named section whose content each poll replaces. */
  function section(id, title) {
    var existing = document.getElementById(id);
    if (existing) return existing.querySelector('.content');
    var s = el('section', { id: id }, title ? el('h2', { text: title }) : null, el('div', { class: 'content' }));
    main.appendChild(s);
    return s.querySelector('.content');
  }
  function fill(target) {
    while (target.firstChild) target.removeChild(target.firstChild);
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) target.appendChild(arguments[i]);
  }

  // ---- charts (uPlot) ----
  var BLUE = '#08519c', BAND_OUTER = 'rgba(158,202,225,0.45)', BAND_INNER = 'rgba(49,130,189,0.35)';
  function line(label, stroke, extra) {
    var s = { label: label, stroke: stroke, width: 1.5, spanGaps: false, points: { show: false } };
    for (var k in extra || {}) s[k] = extra[k];
    return s;
  }
  function quiet(label) { return { label: label, stroke: 'rgba(49,130,189,0.6)', width: 0.5, points: { show: false } }; }
  function dots(label, color) { return { label: label, stroke: color, fill: color, width: 0, paths: function () { return null; }, points: { show: true, size: 9, fill: color, stroke: color } }; }
  /** Draws (or redraws with new data) the chart `name` in `target`; `series` and `bands` fixed per chart. */
  function chart(name, target, opts, data) {
    var existing = state.charts[name];
    if (existing && existing.root.isConnected && existing.series.length === opts.series.length) {
      existing.setData(data);
      return existing;
    }
    if (existing) existing.destroy();
    var width = Math.max(280, target.clientWidth || main.clientWidth - 32);
    var full = {
      width: width, height: opts.height || 280, series: opts.series, bands: opts.bands || [], axes: opts.axes || [{}, { size: 60 }],
      // One point (a first check) still gets a readable hour around it, not years.
      scales: { x: { time: true, range: function (u, min, max) { return min === max ? [min - 3600, max + 3600] : [min, max]; } } },
      // Times on the axes in UTC, as everywhere else on the page.
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); },
    };
    var holder = el('div', { class: 'chart', 'data-chart': name });
    target.appendChild(holder);
    var u = new uPlot(full, data, holder);
    state.charts[name] = u;
    return u;
  }
  window.addEventListener('resize', function () {
    for (var name in state.charts) {
      var u = state.charts[name];
      var parent = u.root.parentNode;
      if (parent && parent.clientWidth) u.setSize({ width: Math.max(280, parent.clientWidth), height: u.height });
    }
  });

  function api(path) {
    return fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(path + ': ' + r.status + ' ' + (body && body.message ? body.message : ''));
        return body;
      });
    });
  }

  // ---- views ----
  var views = {};

  views.live = function () {
    return Promise.all([api('/api/fees'), api('/api/forecast'), api('/api/models')]).then(function (r) {
      var fees = r[0], forecast = r[1], models = r[2];
      state.data.fees = fees; state.data.forecast = forecast;
      var summary = section('live-summary');
      var last = null;
      for (var i = fees.avgFee.length - 1; i >= 0; i--) if (fees.avgFee[i] !== null) { last = i; break; }
      fill(summary, el('div', { class: 'cards' },
        card('latest average fee', last === null ? '–' : num(fees.avgFee[last]) + ' at ' + when(fees.minutes[last])),
        card('production forecast, +30 min (median)', forecast.next && forecast.next.quantiles['0.5'] ? num(forecast.next.quantiles['0.5'][29]) : '–'),
        card('served by', forecast.endpointConfig || 'no production model')));
      if (forecast.status !== 'ok') summary.appendChild(el('p', { class: 'empty', text: 'No forecast: ' + (forecast.detail || forecast.status) }));

      var x = fees.minutes.map(secs), n = x.length;
      var pad = function (arr) { return arr.concat(new Array(forecast.next ? 30 : 0).fill(null)); };
      var feeSeries = pad(fees.avgFee);
      var q = function (key) { return new Array(n).fill(null).concat(forecast.next && forecast.next.quantiles[key] ? forecast.next.quantiles[key] : []); };
      if (forecast.next) x = x.concat(forecast.next.minutes.map(secs));
      var target = section('live-chart', 'Average fee per minute, and the production forecast for the next 30 minutes');
      chart('live', target, {
        series: [{}, line('fee', '#111'), quiet('10%'), quiet('90%'), quiet('30%'), quiet('70%'), line('median forecast', BLUE, { width: 2 })],
        bands: [{ series: [3, 2], fill: BAND_OUTER }, { series: [5, 4], fill: BAND_INNER }],
      }, [x, feeSeries, q('0.1'), q('0.9'), q('0.3'), q('0.7'), q('0.5')]);

      fill(section('live-endpoints', 'Endpoints'), table(['stage', 'endpoint', 'status', 'model'], ['staging', 'production'].map(function (stage) {
        var s = models.stages[stage];
        return [stage, el('code', { text: s.endpoint }), status(s.status || 'not deployed'), s.version ? link('/models/' + s.version, 'version ' + s.version) : '–'];
      }), ''));

      var pastTarget = section('past-chart', 'The forecast of the last 30 minutes, made from the history before them, against what happened');
      if (forecast.past) {
        var p = forecast.past, pq = function (key) { return p.quantiles[key] || new Array(p.minutes.length).fill(null); };
        chart('past', pastTarget, {
          series: [{}, dots('what happened', '#111'), quiet('10%'), quiet('90%'), quiet('30%'), quiet('70%'), line('median forecast', BLUE, { width: 2 })],
          bands: [{ series: [3, 2], fill: BAND_OUTER }, { series: [5, 4], fill: BAND_INNER }],
        }, [p.minutes.map(secs), p.actual, pq('0.1'), pq('0.9'), pq('0.3'), pq('0.7'), pq('0.5')]);
      } else if (!pastTarget.querySelector('p')) {
        pastTarget.appendChild(el('p', { class: 'empty', text: 'No past forecast yet: it needs a production model and the history before the last 30 minutes.' }));
      }
    });
  };

  // the check's skill (model loss / seasonal naive's), recorded by checks since issue 14; null before
  function skillOf(check) {
    return typeof check.skill === 'number' ? check.skill : null;
  }

  views.monitoring = function () {
    return api('/api/monitoring').then(function (m) {
      state.data.monitoring = m;
      ['staging', 'production'].forEach(function (stage) {
        var checks = m.stages[stage] || [];
        var measured = checks.filter(function (c) { return c.outcome === 'measured'; });
        var target = section('stage-' + stage, stage + ': mean wQuantileLoss per check against the threshold');
        if (!measured.length) {
          if (!state.charts['loss-' + stage]) fill(target, el('p', { class: 'empty', text: checks.length ? 'No check measured yet (' + checks[checks.length - 1].outcome + ': ' + (checks[checks.length - 1].detail || '') + ').' : 'No check yet.' }));
        } else {
          if (target.querySelector('p.empty')) fill(target);
          var hasSkill = measured.some(function (c) { return skillOf(c) !== null; });
          var series = [{}, line('loss', BLUE, { width: 2, points: { show: true, size: 4 } }), line('threshold', '#e6550d', { dash: [6, 4], paths: uPlot.paths.stepped({ align: 1 }), points: { show: true, size: 5 } }), dots('breach', '#b71c1c')];
          var data = [measured.map(function (c) { return secs(c.at); }), measured.map(function (c) { return c.loss; }), measured.map(function (c) { return c.threshold === undefined ? null : c.threshold; }), measured.map(function (c) { return c.breach ? c.loss : null; })];
          if (hasSkill) { series.push(line('skill vs seasonal naive', '#31a354', { scale: 'skill' })); data.push(measured.map(skillOf)); }
          chart('loss-' + stage, target, { series: series, axes: hasSkill ? [{}, { size: 60 }, { scale: 'skill', side: 1, grid: { show: false } }] : undefined }, data);
        }
        var rows = checks.slice(-20).reverse().map(function (c) {
          var row = [when(c.at), status(c.outcome), num(c.loss), num(c.threshold), c.breach ? el('strong', { class: 'breach', text: 'breach' }) : 'no'];
          row.push(skillOf(c) === null ? '–' : num(skillOf(c)));
          row.push(c.detail || '');
          return row;
        });
        fill(section('checks-' + stage, stage + ': latest checks'), table(['checked', 'outcome', 'loss', 'threshold', 'breach', 'skill', 'detail'], rows, 'No check yet.', [2, 3, 5]));
      });
      fill(section('decisions', 'Retraining decisions'), table(['at', 'stage', 'retrain', 'consecutive breaches', 'reason', 'training'],
        m.decisions.slice().reverse().slice(0, 30).map(function (d) {
          var run = d.trainingExecutionArn ? d.trainingExecutionArn.split(':').pop() : null;
          return [when(d.at), d.stage || '–', d.retrain ? el('strong', { text: 'yes' }) : 'no', d.consecutiveBreaches, d.reason, run ? link('/executions/' + encodeURIComponent(run), run) : '–'];
        }), 'No decision yet.', [3]));
      var th = m.threshold.history.filter(function (h) { return h.value !== null; });
      var thTarget = section('threshold', 'Threshold history (' + m.threshold.parameter + ', every version kept by the parameter store)');
      if (th.length) {
        chart('threshold', thTarget, { height: 200, series: [{}, line('threshold', '#e6550d', { width: 2, paths: uPlot.paths.stepped({ align: 1 }), points: { show: true, size: 6 } })] },
          [th.map(function (h) { return secs(h.at); }), th.map(function (h) { return h.value; })]);
      }
      var list = document.getElementById('threshold-table') || el('div', { id: 'threshold-table' });
      fill(list, table(['version', 'value', 'set at'], m.threshold.history.slice().reverse().map(function (h) { return [h.version, h.value === null ? h.text : num(h.value), when(h.at)]; }), 'No threshold set yet.', [0, 1]));
      thTarget.appendChild(list);
    });
  };

  views.models = function () {
    return api('/api/models').then(function (m) {
      state.data.models = m;
      fill(section('serving', 'Serving now'), el('div', { class: 'cards' },
        card('staging', m.stages.staging.version ? 'version ' + m.stages.staging.version + ' (' + m.stages.staging.status + ')' : 'none'),
        card('production', m.stages.production.version ? 'version ' + m.stages.production.version + ' (' + m.stages.production.status + ')' : 'none')));
      fill(section('registry', 'Model registry'), table(['version', 'status', 'mean wQuantileLoss', 'serves', 'created', 'training job'],
        m.models.map(function (x) { return [link('/models/' + x.version, 'version ' + x.version), status(x.status), num(x.loss), x.serves.join(', ') || '–', when(x.created), x.trainingJob || '–']; }),
        'No model registered yet.', [2]));
    });
  };

  views.model = function () {
    return api('/api/models/' + encodeURIComponent(param)).then(function (x) {
      state.data.model = x;
      var ev = x.evaluation;
      fill(section('model-facts'), facts([
        ['status', status(x.status)],
        ['serves', x.serves.join(', ') || 'no stage'],
        ['registered', when(x.created)],
        ['data window', x.dataWindow.from ? when(x.dataWindow.from) + ' to ' + when(x.dataWindow.to) : '–'],
        ['training job', x.training ? x.training.job + (x.training.status ? ' (' + x.training.status + (x.training.seconds !== undefined ? ', ' + duration(x.training.seconds) : '') + ')' : '') : '–'],
        ['registry note', x.approvalDescription || x.description || '–'],
        ['ARN', el('code', { text: x.arn })],
      ]));
      fill(section('evaluation', 'Evaluation on the held-out 30 minutes (mean wQuantileLoss, lower is better)'), table(['candidate (this model)', 'baseline (seasonal naive)', 'champion (production then)', 'threshold', 'RMSE'],
        [[num(ev.candidate), num(ev.baseline), ev.champion === null ? 'none serving' : num(ev.champion), num(ev.threshold), num(ev.rmse)]], '', [0, 1, 2, 3, 4]));
      fill(section('approvals', 'Approvals'), table(['stage', 'status', 'decided by', 'decided at', 'from', 'requested', 'expires'],
        x.approvals.map(function (a) { return [a.stage, status(a.status), a.decidedBy || '–', when(a.decidedAt), a.from || '–', when(a.createdAt), when(a.expiresAt)]; }), 'No approval requested for this model.'));
      fill(section('status-history', 'Registry status history'), table(['at', 'from', 'to', 'note'],
        x.statusHistory.map(function (h) { return [when(h.at), h.from, status(h.to), h.description || '']; }), 'No status change yet.'));
      var hp = x.training && x.training.hyperParameters ? Object.keys(x.training.hyperParameters).sort().map(function (k) { return [k, el('code', { text: x.training.hyperParameters[k] })]; }) : [];
      fill(section('hyperparameters', 'Hyperparameters'), table(['name', 'value'], hp, 'The training job record is not available.'));
      var metrics = x.training && x.training.finalMetrics ? x.training.finalMetrics.map(function (f) { return [f.name, num(f.value)]; }) : [];
      fill(section('final-metrics', 'Training job metrics'), table(['metric', 'value'], metrics, 'None recorded.', [1]));
      fill(section('model-executions', 'Executions'), table(['state machine', 'execution', 'status', 'started'],
        x.executions.map(function (e) { return [e.machine, link('/executions/' + encodeURIComponent(e.name), e.name), status(e.status), when(e.startDate)]; }), 'None found.'));
    });
  };

  views.executions = function () {
    return api('/api/executions?limit=100').then(function (r) {
      state.data.executions = r;
      fill(section('executions-list'), table(['started', 'state machine', 'execution', 'status', 'duration', 'outcome'],
        r.executions.map(function (e) {
          return [when(e.startDate), e.machine, link('/executions/' + encodeURIComponent(e.name), e.name), status(e.interrupted ? 'INTERRUPTED' : e.status), duration(e.durationSeconds), e.outcome || ''];
        }), 'No executions yet.', [4]));
    });
  };

  views.execution = function () {
    return api('/api/executions/' + encodeURIComponent(param)).then(function (x) {
      state.data.execution = x;
      fill(section('execution-facts'), facts([
        ['state machine', x.machine],
        ['status', status(x.interrupted ? 'INTERRUPTED' : x.status)],
        ['started', when(x.startDate)],
        ['duration (twin clock)', x.durationSeconds === undefined ? 'running' : duration(x.durationSeconds)],
        ['states ran for (wall clock)', duration(x.statesSeconds)],
        ['outcome', x.outcome || '–'],
      ]));
      var total = Math.max.apply(null, [1e-3].concat(x.states.map(function (s) { return s.durationSeconds || 0; })));
      fill(section('states', 'States, in the order they ran'), table(['#', 'state', 'status', 'entered after the first', 'duration', '', 'retries', 'error'],
        x.states.map(function (s, i) {
          var bar = el('div', { class: 'bar ' + s.status });
          bar.style.width = Math.max(1, Math.round(((s.durationSeconds || 0) / total) * 100)) + '%';
          var offset = x.states.length ? (Date.parse(s.enteredAt) - Date.parse(x.states[0].enteredAt)) / 1000 : 0;
          return [i + 1, s.name + (s.index !== undefined ? ' [' + s.index + ']' : ''), status(s.status), '+' + duration(offset), duration(s.durationSeconds), el('div', { class: 'timeline' }, bar), s.retries || '', s.error ? s.error + (s.cause ? ': ' + s.cause : '') : ''];
        }), 'No state entered yet.', [0, 4, 6]));
      var path = el('ol', { class: 'path' });
      x.definition.forEach(function (d) { path.appendChild(el('li', { class: d.visited ? 'visited' : '', title: d.type, text: d.name })); });
      fill(section('definition', 'The definition\u2019s states (this run\u2019s path highlighted)'), x.definition.length ? path : el('p', { class: 'empty', text: 'Definition not available.' }));
      fill(section('io', 'Input and output'), el('pre', { text: JSON.stringify({ input: x.input, output: x.output }, null, 2) }));
    });
  };

  views.outbox = function () {
    return api('/api/approvals').then(function (r) {
      state.data.approvals = r;
      fill(section('pending', 'Approvals waiting'), table(['stage', 'model', 'loss', 'threshold', 'seasonal naive', 'serving now', 'requested', 'expires', ''],
        r.pending.map(function (p) {
          return [p.stage, el('code', { text: p.modelPackageArn.split('/').slice(-1)[0] }), num(p.evidence.meanWQuantileLoss), num(p.evidence.threshold), num(p.evidence.seasonalNaiveLoss), num(p.evidence.stageLoss), when(p.createdAt), when(p.expiresAt),
            p.link ? link(p.link, 'Open to decide') : 'link in the mail only'];
        }), 'No approval is waiting.', [2, 3, 4, 5]));
      fill(section('outbox', 'Outbox'), table(['date', 'to', 'subject', 'message'],
        r.outbox.map(function (m) { return [when(m.date), m.to, m.subject, link(m.href, 'open')]; }), 'No mail sent yet.'));
    });
  };

  // ---- polling ----
  var busy = false;
  function refresh() {
    if (busy || !views[view]) return;
    busy = true;
    views[view]().then(function () {
      state.polls++;
      var loading = document.getElementById('loading');
      if (loading) loading.remove();
      var err = document.getElementById('poll-error');
      if (err) err.remove();
      document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    }).catch(function (e) {
      state.errors++;
      var err = document.getElementById('poll-error') || main.insertBefore(el('p', { id: 'poll-error', class: 'error' }), main.children[1] || null);
      err.textContent = String(e && e.message ? e.message : e);
    }).then(function () { busy = false; });
  }
  refresh();
  setInterval(refresh, POLL_MS);
})();
