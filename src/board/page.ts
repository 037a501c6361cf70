/**
 * The board's single page (HTML, CSS and script in one string, so it is found wherever the
 * compiled module lives). The script lists the runs, shows the selected run's charts (SVG
 * rendered by the server), its last epoch and its sample predictions, and follows changes
 * through server-sent events, polling /api/runs every 2 s when the stream is unavailable.
 */

const STYLE = `
* { box-sizing: border-box; }
body { margin: 0; font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #222; background: #f4f5f7; }
header { display: flex; align-items: baseline; gap: 16px; padding: 10px 18px; background: #263238; color: #fff; }
header h1 { font-size: 18px; margin: 0; }
header #logdir { color: #b0bec5; font-size: 13px; flex: 1; }
.conn { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #78909c; }
.conn.live { background: #2e7d32; } .conn.polling { background: #ef6c00; }
main { display: flex; gap: 16px; padding: 16px; align-items: flex-start; }
aside { width: 250px; flex: none; background: #fff; border-radius: 6px; padding: 10px; box-shadow: 0 1px 2px rgba(0,0,0,.15); }
aside h2, section h2 { font-size: 15px; margin: 4px 0 10px; }
#runs { list-style: none; margin: 0; padding: 0; }
#runs li { padding: 7px 8px; border-radius: 4px; cursor: pointer; display: flex; justify-content: space-between; gap: 6px; font-size: 13px; }
#runs li:hover { background: #eceff1; } #runs li.selected { background: #e3f2fd; font-weight: bold; }
.badge { font-size: 11px; padding: 1px 6px; border-radius: 8px; background: #cfd8dc; font-weight: normal; white-space: nowrap; }
.badge.running { background: #fff3e0; color: #e65100; } .badge.finished { background: #e8f5e9; color: #1b5e20; }
section { flex: 1; min-width: 0; background: #fff; border-radius: 6px; padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.15); }
#run-meta { font-size: 13px; color: #555; margin-bottom: 8px; }
#charts { display: flex; flex-wrap: wrap; gap: 8px; }
.chart { border: 1px solid #e0e0e0; border-radius: 4px; }
.chart svg { display: block; }
table { border-collapse: collapse; font-size: 13px; }
td, th { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; }
td.num { text-align: right; font-family: "DejaVu Sans Mono", monospace; }
#samples { display: flex; flex-wrap: wrap; gap: 10px; }
.sample { width: 118px; border: 2px solid #ccc; border-radius: 5px; padding: 6px; font-size: 12px; text-align: center; }
.sample.ok { border-color: #43a047; } .sample.bad { border-color: #e53935; }
.sample img { width: 84px; height: 84px; image-rendering: pixelated; display: block; margin: 0 auto 4px; background: #000; }
#model img { max-width: 100%; }
.empty { color: #888; font-size: 13px; }
`;

const SCRIPT = `
'use strict';
var state = { runs: [], selected: null, shownKey: null, seq: 0, poll: null };
function $(id) { return document.getElementById(id); }
function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
function runKey(r) { return r ? r.name + '|' + r.updatedAt + '|' + r.epochs + '|' + r.status : null; }
function fmt(v) { return typeof v === 'number' ? (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2)) : 'n/a'; }
function setConn(mode) { var c = $('conn'); c.className = 'conn ' + mode; c.textContent = mode === 'live' ? 'live' : mode === 'polling' ? 'polling' : 'connecting…'; }
function fileUrl(run, path) { return '/files/' + [run].concat(path.split('/')).map(encodeURIComponent).join('/'); }

function renderRuns() {
  var ul = $('runs'); ul.textContent = '';
  if (state.runs.length === 0) { ul.appendChild(el('li', 'empty', 'no runs yet')); return; }
  state.runs.forEach(function (r) {
    var li = el('li', r.name === state.selected ? 'selected' : '');
    li.dataset.run = r.name;
    li.appendChild(el('span', 'name', r.name));
    li.appendChild(el('span', 'badge ' + r.status, r.status + ' · ' + r.epochs + (r.plannedEpochs ? '/' + r.plannedEpochs : '')));
    li.onclick = function () { select(r.name); };
    ul.appendChild(li);
  });
}

function select(name) {
  state.selected = name; state.shownKey = null;
  history.replaceState(null, '', '#' + encodeURIComponent(name));
  renderRuns(); refreshRun();
}

function onRuns(runs) {
  state.runs = runs;
  var names = runs.map(function (r) { return r.name; });
  if (state.selected === null || names.indexOf(state.selected) < 0) {
    var wanted = decodeURIComponent(location.hash.slice(1));
    if (names.indexOf(wanted) >= 0) state.selected = wanted;
    else if (runs.length) state.selected = runs.slice().sort(function (a, b) { return String(b.updatedAt).localeCompare(String(a.updatedAt)); })[0].name;
    else state.selected = null;
  }
  renderRuns();
  var cur = runs.filter(function (r) { return r.name === state.selected; })[0];
  if (cur && runKey(cur) !== state.shownKey) refreshRun();
  if (!cur) { $('run-title').textContent = 'No run selected'; }
}

function refreshRun() {
  var name = state.selected; if (name === null) return;
  var seq = ++state.seq;
  fetch('/api/runs/' + encodeURIComponent(name)).then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); }).then(function (data) {
    if (seq !== state.seq) return;
    renderRun(name, data);
  }).catch(function () {});
}

function renderRun(name, data) {
  var log = data.log, epochs = log.epochs || [];
  var last = epochs.length ? epochs[epochs.length - 1] : null;
  state.shownKey = runKey({ name: name, updatedAt: log.updatedAt, epochs: epochs.length, status: log.status });
  $('run-title').textContent = name;
  $('run-meta').textContent = 'model ' + log.model + ' · ' + log.status + ' · epoch ' + epochs.length + (log.params && log.params.epochs ? ' of ' + log.params.epochs : '') +
    (last ? ' · ' + last.elapsed.toFixed(1) + ' s' : '') + ' · started ' + new Date(log.startedAt).toLocaleString() + (log.stoppedEarly ? ' · stopped early' : '');
  var charts = $('charts'); charts.textContent = '';
  data.charts.forEach(function (c) { var d = el('div', 'chart'); d.dataset.title = c.title; d.innerHTML = c.svg; charts.appendChild(d); });
  var table = $('last'); table.textContent = '';
  if (last) {
    var keys = Object.keys(last.logs).filter(function (k) { return k !== 'lr'; });
    var hr = el('tr'); hr.appendChild(el('th', '', 'epoch ' + (last.epoch + 1))); keys.forEach(function (k) { hr.appendChild(el('th', '', k)); }); hr.appendChild(el('th', '', 'learning rate')); table.appendChild(hr);
    var tr = el('tr'); tr.appendChild(el('td', '', '')); keys.forEach(function (k) { tr.appendChild(el('td', 'num', fmt(last.logs[k]))); }); tr.appendChild(el('td', 'num', fmt(last.lr))); table.appendChild(tr);
  }
  renderSamples(name, log, last);
  var model = $('model');
  if (model.dataset.run !== name) {
    model.dataset.run = name; model.textContent = '';
    var img = el('img'); img.alt = 'model graph'; img.src = fileUrl(name, 'model.svg');
    img.onerror = function () { model.textContent = ''; model.appendChild(el('div', 'empty', 'no model.svg in this run (plotModel can write one)')); };
    model.appendChild(img);
  }
}

function renderSamples(name, log, last) {
  var box = $('samples'); box.textContent = '';
  var s = log.samples;
  if (!s) { box.appendChild(el('div', 'empty', 'no samples recorded (TrainingMonitor samples option)')); return; }
  if (!last || !last.samples) { box.appendChild(el('div', 'empty', 'waiting for the first epoch')); return; }
  var names = s.classNames;
  function label(i) { return i === null || i === undefined ? '?' : names && names[i] !== undefined ? names[i] : String(i); }
  last.samples.forEach(function (p, i) {
    var truth = s.labels ? s.labels[i] : null;
    var card = el('div', 'sample' + (truth === null ? '' : truth === p.predicted ? ' ok' : ' bad'));
    if (s.images && s.images[i]) { var img = el('img'); img.src = fileUrl(name, s.images[i]) + '?v=1'; img.alt = 'sample ' + i; card.appendChild(img); }
    card.appendChild(el('div', 'pred', label(p.predicted) + ' ' + (100 * p.probability).toFixed(0) + '%'));
    card.appendChild(el('div', 'truth', 'true: ' + label(truth)));
    box.appendChild(card);
  });
}

function startPolling() {
  if (state.poll) return;
  setConn('polling');
  var tick = function () { fetch('/api/runs').then(function (r) { return r.json(); }).then(function (d) { onRuns(d.runs); }).catch(function () {}); };
  tick(); state.poll = setInterval(tick, 2000);
}
function stopPolling() { if (state.poll) { clearInterval(state.poll); state.poll = null; } }

function connect() {
  fetch('/api/runs').then(function (r) { return r.json(); }).then(function (d) { $('logdir').textContent = d.logDir; onRuns(d.runs); }).catch(function () {});
  if (!window.EventSource) { startPolling(); return; }
  var es = new EventSource('/events');
  es.addEventListener('runs', function (e) { stopPolling(); setConn('live'); onRuns(JSON.parse(e.data)); });
  es.onerror = function () { startPolling(); };
}
connect();
`;

/** The dashboard page served at `/`. */
export const BOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Neurite board</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>Neurite board</h1><span id="logdir"></span><span id="conn" class="conn">connecting…</span></header>
<main>
<aside><h2>Runs</h2><ul id="runs"></ul></aside>
<section id="run">
<h2 id="run-title">No run selected</h2>
<div id="run-meta"></div>
<div id="charts"></div>
<h2>Last epoch</h2>
<table id="last"></table>
<h2>Sample predictions</h2>
<div id="samples"></div>
<h2>Model</h2>
<div id="model"></div>
</section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
