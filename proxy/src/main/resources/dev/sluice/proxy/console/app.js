// The Sluice console: pages over the admin API, signed in with an HttpOnly session cookie; every change sends the
// session's CSRF token. No build step, no framework: the DOM, fetch and uPlot for charts.
'use strict';

const state = { session: null, tail: null };
const $ = (sel) => document.querySelector(sel);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

async function api(path, options) {
  const o = Object.assign({ credentials: 'same-origin', headers: {} }, options || {});
  if (o.method && o.method !== 'GET') {
    o.headers['x-csrf-token'] = state.session ? state.session.csrf : '';
    o.headers['content-type'] = 'application/json';
  }
  const r = await fetch(path, o);
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  return { status: r.status, body };
}

// The date `n` days before the ISO date `day` (both calendar dates, no time zone involved).
function daysBefore(day, n) {
  return new Date(Date.parse(day + 'T00:00:00Z') - n * 86400000).toISOString().slice(0, 10);
}

function money(n) { return Number(n).toFixed(6).replace(/0+$/, '').replace(/\.$/, ''); }
function micros(n) { return Math.round(Number(n) * 1e6); }

function page(title) {
  const p = $('#page');
  p.replaceChildren(el('h2', { id: 'page-title', text: title }));
  p.hidden = false;
  return p;
}

function errorLine(p, r) {
  const msg = r.body && r.body.error ? r.body.error.message : 'HTTP ' + r.status;
  p.append(el('p', { class: 'error', role: 'alert', text: msg }));
}

// ------------------------------------------------------------------ sign-in

async function loadSession() {
  const r = await api('/console/session');
  state.session = r.status === 200 ? r.body : null;
  const signedIn = state.session !== null;
  $('#sign-in-page').hidden = signedIn;
  $('#nav').hidden = !signedIn;
  $('#page').hidden = !signedIn;
  if (signedIn) {
    $('#who').textContent = state.session.actor;
    for (const a of document.querySelectorAll('[data-admin]')) a.hidden = !state.session.admin;
    if (!location.hash) history.replaceState(null, '', '#/spend');
    route();
  } else {
    $('#token').focus();
  }
}

$('#sign-in').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const r = await api('/console/login', { method: 'POST', body: JSON.stringify({ token: $('#token').value }) });
  $('#token').value = '';
  if (r.status !== 200) {
    $('#sign-in-error').textContent = r.body && r.body.error ? r.body.error.message : 'sign-in refused';
    return;
  }
  $('#sign-in-error').textContent = '';
  await loadSession();
});

$('#sign-out').addEventListener('click', async () => {
  await api('/console/logout', { method: 'POST', body: '{}' });
  stopTail();
  state.session = null;
  location.hash = '';
  await loadSession();
});

// ------------------------------------------------------------------ pages

const pages = {
  spend: spendPage,
  tail: tailPage,
  keys: keysPage,
  latency: latencyPage,
  agents: agentsPage,
  evals: evalsPage,
  requests: requestPage,
};

function route() {
  if (!state.session) return;
  stopTail();
  const parts = (location.hash || '#/spend').slice(2).split('/');
  const name = parts[0] || 'spend';
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === '#/' + name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  (pages[name] || spendPage)(parts.slice(1).map(decodeURIComponent));
}
window.addEventListener('hashchange', route);

async function spendPage() {
  const p = page('Spend');
  const by = el('select', { id: 'spend-by' });
  for (const d of ['team', 'project', 'key', 'model', 'agent', 'day']) by.append(el('option', { value: d, text: d }));
  // Whole days in the gateway's time zone, so a period's totals are those of `sluice spend --since <date>`.
  const since = el('select', { id: 'spend-since' });
  const today = state.session.today;
  for (const [v, t] of [['', 'all'], [today, 'today'], [daysBefore(today, 6), 'last 7 days'],
    [daysBefore(today, 29), 'last 30 days'], [today.slice(0, 8) + '01', 'this month']]) {
    since.append(el('option', { value: v, text: t }));
  }
  p.append(el('form', { class: 'inline', id: 'spend-form' },
    el('label', {}, 'Group by ', by), el('label', {}, 'Since ', since)));
  const chart = el('div', { id: 'spend-chart', role: 'img', 'aria-label': 'Spend per day, one line per group' });
  const out = el('div', { id: 'spend-table' });
  p.append(chart, out);
  async function load() {
    const q = '/admin/spend?by=' + by.value + (since.value ? '&since=' + since.value : '');
    const r = await api(q);
    chart.replaceChildren();
    out.replaceChildren();
    if (r.status !== 200) { errorLine(out, r); return; }
    drawSpend(chart, r.body);
    const table = el('table', { id: 'spend', 'data-by': r.body.by, 'data-since': since.value },
      el('thead', {}, el('tr', {}, el('th', { text: r.body.by }), el('th', { class: 'num', text: 'requests' }),
        el('th', { class: 'num', text: 'cost' }), el('th', { class: 'num', text: 'tokens in' }),
        el('th', { class: 'num', text: 'tokens out' }))));
    const body = el('tbody');
    for (const g of r.body.groups) {
      body.append(el('tr', { 'data-key': g.key, 'data-cost-micros': g.cost_micros },
        el('td', { text: g.key }), el('td', { class: 'num', text: g.requests }),
        el('td', { class: 'num', text: money(g.cost) }), el('td', { class: 'num', text: g.tokens_in }),
        el('td', { class: 'num', text: g.tokens_out })));
    }
    const t = r.body.total;
    table.append(body, el('tfoot', {}, el('tr', { id: 'spend-total', 'data-cost-micros': t.cost_micros,
      'data-requests': t.requests }, el('td', { text: 'total' }), el('td', { class: 'num', text: t.requests }),
    el('td', { class: 'num', text: money(t.cost) }), el('td', { class: 'num', text: t.tokens_in }),
    el('td', { class: 'num', text: t.tokens_out }))));
    out.append(table);
  }
  by.addEventListener('change', load);
  since.addEventListener('change', load);
  await load();
}

function drawSpend(target, report) {
  const days = new Set();
  for (const g of report.groups) for (const d of Object.keys(g.days || {})) days.add(d);
  const xs = [...days].sort();
  if (xs.length === 0 || typeof uPlot === 'undefined') {
    target.append(el('p', { text: 'No priced requests in this period.' }));
    return;
  }
  const groups = report.groups.slice(0, 8);
  const data = [xs.map((d) => Date.parse(d + 'T00:00:00Z') / 1000)];
  const series = [{}];
  const colours = ['#12344d', '#e8a33d', '#2e7d32', '#b3261e', '#6a4c93', '#1982c4', '#8ac926', '#ff595e'];
  groups.forEach((g, i) => {
    data.push(xs.map((d) => (g.days && g.days[d]) || 0));
    series.push({ label: g.key, stroke: colours[i % colours.length], width: 2, points: { show: true } });
  });
  // eslint-disable-next-line no-new
  const day = 86400;
  new uPlot({ width: Math.min(900, window.innerWidth - 60), height: 260, series,
    scales: { x: { time: true, auto: false, range: [data[0][0] - day, data[0][data[0].length - 1] + day] },
      y: { range: (u, min, max) => [0, max > 0 ? max * 1.15 : 1] } },
    axes: [{ space: 80 }, { label: 'cost per day', size: 90,
      values: (u, vals) => vals.map((v) => (v === 0 ? '0' : Number(v).toPrecision(2))) }] }, data, target);
}

async function keysPage() {
  const p = page('Keys');
  const team = el('input', { id: 'key-team', name: 'team', value: state.session.team || '', required: '' });
  if (state.session.team) team.setAttribute('readonly', '');
  const user = el('input', { id: 'key-user', name: 'user' });
  const models = el('input', { id: 'key-models', name: 'models', placeholder: 'demo, demo-claude' });
  const form = el('form', { class: 'inline', id: 'key-create' },
    el('label', {}, 'Team ', team), el('label', {}, 'User ', user), el('label', {}, 'Models ', models),
    el('button', { type: 'submit', id: 'key-create-button', text: 'Create key' }));
  const secret = el('output', { id: 'new-secret', 'aria-live': 'polite', hidden: '' });
  const list = el('div', { id: 'keys-list' });
  p.append(form, secret, list);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { team: team.value };
    if (user.value) body.user = user.value;
    if (models.value) body.models = models.value.split(',').map((s) => s.trim()).filter((s) => s);
    const r = await api('/admin/keys', { method: 'POST', body: JSON.stringify(body) });
    if (r.status !== 201) { secret.hidden = true; errorLine(list, r); return; }
    secret.hidden = false;
    secret.setAttribute('data-key-id', r.body.id);
    secret.textContent = r.body.secret;
    await loadKeys();
  });
  async function loadKeys() {
    const r = await api('/admin/keys');
    list.replaceChildren();
    if (r.status !== 200) { errorLine(list, r); return; }
    const table = el('table', { id: 'keys' }, el('thead', {}, el('tr', {}, el('th', { text: 'id' }),
      el('th', { text: 'team' }), el('th', { text: 'user' }), el('th', { text: 'state' }), el('th', { text: '' }))));
    const tbody = el('tbody');
    for (const k of r.body.keys) {
      const actions = el('td');
      if (k.source === 'runtime' && k.state === 'active') {
        const revoke = el('button', { type: 'button', 'data-revoke': k.id, text: 'Revoke' });
        revoke.addEventListener('click', async () => {
          const rr = await api('/admin/keys/' + encodeURIComponent(k.id) + '/revoke', { method: 'POST', body: '{}' });
          if (rr.status !== 200) errorLine(list, rr); else await loadKeys();
        });
        const rotate = el('button', { type: 'button', 'data-rotate': k.id, text: 'Rotate' });
        rotate.addEventListener('click', async () => {
          const rr = await api('/admin/keys/' + encodeURIComponent(k.id) + '/rotate', { method: 'POST', body: '{}' });
          if (rr.status !== 200) { errorLine(list, rr); return; }
          secret.hidden = false;
          secret.setAttribute('data-key-id', k.id);
          secret.textContent = rr.body.secret;
        });
        actions.append(revoke, ' ', rotate);
      }
      tbody.append(el('tr', { 'data-key-id': k.id, 'data-state': k.state }, el('td', { text: k.id }),
        el('td', { text: k.team }), el('td', { text: k.user || '' }), el('td', { text: k.state }), actions));
    }
    table.append(tbody);
    list.append(table);
  }
  await loadKeys();
}

function stopTail() {
  if (state.tail) { state.tail.close(); state.tail = null; }
}

// The live tail: the gateway streams each request as it finishes (server-sent events), after the latest 50.
async function tailPage() {
  const p = page('Live tail');
  const table = el('table', { id: 'tail' }, el('thead', {}, el('tr', {}, el('th', { text: 'time' }),
    el('th', { text: 'request' }), el('th', { text: 'key' }), el('th', { text: 'team' }),
    el('th', { text: 'model' }), el('th', { text: 'outcome' }), el('th', { class: 'num', text: 'ms' }))));
  const body = el('tbody');
  const status = el('p', { id: 'tail-status', role: 'status', text: 'Connecting...' });
  table.append(body);
  p.append(status, table);
  const seen = new Set();
  const source = new EventSource('/admin/requests?follow=1&limit=50&since=' + (Date.now() - 3600_000));
  state.tail = source;
  source.addEventListener('open', () => { status.textContent = 'Following: new requests appear at the top.'; });
  source.addEventListener('error', () => { status.textContent = 'Disconnected; reconnecting...'; });
  source.addEventListener('request', (ev) => {
    const q = JSON.parse(ev.data);
    const id = q.request_id;
    if (seen.has(id)) return;
    seen.add(id);
    const link = el('a', { href: '#/requests/' + encodeURIComponent(id), text: id });
    body.prepend(el('tr', { 'data-request-id': id }, el('td', { text: q.time || '' }), el('td', {}, link),
      el('td', { text: q.key_id || '' }), el('td', { text: q.team || '' }), el('td', { text: q.model || '' }),
      el('td', { text: q.outcome || 'in flight' }), el('td', { class: 'num', text: q.total_ms == null ? '' : q.total_ms })));
    while (body.rows.length > 500) body.deleteRow(-1);
  });
}

async function requestPage(args) {
  const id = args[0] || '';
  const p = page('Request ' + id);
  const r = await api('/admin/requests/' + encodeURIComponent(id));
  if (r.status !== 200) { errorLine(p, r); return; }
  const q = r.body;
  // What `sluice journal show` shows: the request's fields, its attempts, what was asked and what was answered.
  const fields = [['time', q.time], ['key', q.key_id], ['user', q.user], ['team', q.team], ['project', q.project],
    ['use case', q.use_case], ['endpoint', q.endpoint], ['model asked', q.model], ['model served', q.served_model],
    ['provider', q.provider], ['deployment', q.deployment], ['agent', q.agent && q.agent + '@' + q.agent_version],
    ['stream', String(q.stream)], ['outcome', q.outcome], ['status', q.status], ['time to first token ms', q.ttft_ms],
    ['total ms', q.total_ms], ['tokens in', q.tokens_in], ['tokens out', q.tokens_out],
    ['tokens cached', q.tokens_cached], ['cost', q.cost == null ? 'unpriced' : money(q.cost)],
    ['tokens estimated', String(q.tokens_estimated)], ['capture', q.capture], ['configuration', q.config_version],
    ['client address', q.client_address]];
  const dl = el('dl', { id: 'request-fields' });
  for (const [k, v] of fields) {
    if (v === null || v === undefined || v === '') continue;
    dl.append(el('dt', { text: k }), el('dd', { text: v }));
  }
  p.append(dl);
  if (q.attempts && q.attempts.length) {
    const t = el('table', { id: 'request-attempts' }, el('caption', { text: 'Attempts' }),
      el('thead', {}, el('tr', {}, el('th', { text: 'deployment' }), el('th', { text: 'outcome' }),
        el('th', { class: 'num', text: 'status' }), el('th', { class: 'num', text: 'ms' }))));
    const tb = el('tbody');
    for (const a of q.attempts) {
      tb.append(el('tr', {}, el('td', { text: a.deployment }), el('td', { text: a.outcome }),
        el('td', { class: 'num', text: a.status == null ? '' : a.status }),
        el('td', { class: 'num', text: a.duration_ms == null ? '' : a.duration_ms })));
    }
    t.append(tb);
    p.append(t);
  }
  p.append(el('h3', { text: 'Request' }));
  p.append(q.request == null ? el('p', { text: 'Not captured.' })
    : el('pre', { id: 'request-body', tabindex: '0', text: typeof q.request === 'string' ? q.request
      : JSON.stringify(q.request, null, 2) }));
  p.append(el('h3', { text: 'Answer' }));
  const a = q.response || {};
  if (!a.text && !(a.tool_calls && a.tool_calls.length) && !a.error) {
    p.append(el('p', { text: 'Not captured.' }));
  } else {
    if (a.thinking) p.append(el('details', {}, el('summary', { text: 'Thinking' }), el('pre', { text: a.thinking })));
    if (a.text) p.append(el('pre', { id: 'response-text', tabindex: '0', text: a.text }));
    for (const c of a.tool_calls || []) {
      p.append(el('pre', { class: 'tool-call', text: c.name + '(' + c.arguments + ')' }));
    }
    if (a.error) p.append(el('p', { class: 'error', text: a.error }));
    p.append(el('p', { text: 'Finish reason: ' + (a.finish_reason || 'none') }));
  }
  if (q.redactions && Object.keys(q.redactions).length) {
    p.append(el('p', { id: 'request-redactions', text: 'Redacted: ' + Object.entries(q.redactions)
      .map(([k, v]) => k + ' ' + v).join(', ') }));
  }
  p.append(el('details', {}, el('summary', { text: 'As JSON (sluice journal show --json)' }),
    el('pre', { id: 'request-json', text: JSON.stringify(q, null, 2) })));
}

async function latencyPage() {
  const p = page('Latency and circuits');
  const r = await api('/admin/routes');
  if (r.status !== 200) { errorLine(p, r); return; }
  const table = el('table', { id: 'latency' }, el('thead', {}, el('tr', {}, el('th', { text: 'alias' }),
    el('th', { text: 'deployment' }), el('th', { text: 'circuit' }), el('th', { class: 'num', text: 'p50 ms' }),
    el('th', { class: 'num', text: 'p99 ms' }), el('th', { class: 'num', text: 'TTFT p50 ms' }),
    el('th', { class: 'num', text: 'TTFT p99 ms' }))));
  const body = el('tbody');
  for (const route of r.body.routes) {
    for (const d of route.deployments) {
      const l = d.latency || {};
      body.append(el('tr', {}, el('td', { text: route.alias }), el('td', { text: d.deployment }),
        el('td', { text: d.circuit }), el('td', { class: 'num', text: l.p50_ms ?? '' }),
        el('td', { class: 'num', text: l.p99_ms ?? '' }), el('td', { class: 'num', text: l.ttft_p50_ms ?? '' }),
        el('td', { class: 'num', text: l.ttft_p99_ms ?? '' })));
    }
  }
  table.append(body);
  p.append(table);
}

async function agentsPage(args) {
  if (args[0]) { await agentPage(args[0]); return; }
  const p = page('Agents');
  const r = await api('/admin/agents');
  if (r.status !== 200) { errorLine(p, r); return; }
  const table = el('table', { id: 'agents' }, el('thead', {}, el('tr', {}, el('th', { text: 'agent' }),
    el('th', { text: 'model' }), el('th', { text: 'owners' }), el('th', { text: 'review' }),
    el('th', { text: 'gate' }))));
  const body = el('tbody');
  for (const a of r.body) {
    body.append(el('tr', { 'data-agent': a.name }, el('td', {}, el('a', { href: '#/agents/' + encodeURIComponent(a.name),
      text: a.name })), el('td', { text: a.model }), el('td', { text: (a.owners || []).join(', ') }),
    el('td', { text: a.review }), el('td', { text: a.eval_gate ? a.eval_gate.eval + ' >= ' + a.eval_gate.min_pass_rate
      : (a.gate || 'none') })));
  }
  table.append(body);
  p.append(table);
}

async function agentPage(name) {
  const p = page('Agent ' + name);
  const r = await api('/admin/agents/' + encodeURIComponent(name));
  if (r.status !== 200) { errorLine(p, r); return; }
  const a = r.body;
  const versions = el('table', { id: 'agent-versions' }, el('thead', {}, el('tr', {}, el('th', { text: 'version' }),
    el('th', { text: 'model' }), el('th', { text: 'labels' }))));
  const vb = el('tbody');
  for (const v of a.versions) {
    vb.append(el('tr', { 'data-version': v.version, 'data-labels': v.labels.join(' ') }, el('td', { text: v.version }),
      el('td', { text: v.model }), el('td', { text: v.labels.join(', ') })));
  }
  versions.append(vb);
  const version = el('select', { id: 'promote-version' });
  for (const v of a.versions) version.append(el('option', { value: v.version, text: v.version }));
  const to = el('select', { id: 'promote-to' });
  for (const l of ['production', 'canary']) to.append(el('option', { value: l, text: l }));
  const actor = el('input', { id: 'promote-actor', placeholder: (a.owners || [])[0] || '' });
  const form = el('form', { class: 'inline', id: 'promote' }, el('label', {}, 'Version ', version),
    el('label', {}, 'To ', to), el('label', {}, 'As owner ', actor),
    el('button', { type: 'submit', id: 'promote-button', text: 'Promote' }));
  const result = el('output', { id: 'promote-result', 'aria-live': 'polite' });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { version: version.value, to: to.value };
    if (actor.value) body.actor = actor.value;
    const rr = await api('/admin/agents/' + encodeURIComponent(name) + '/promote', { method: 'POST',
      body: JSON.stringify(body) });
    if (rr.status === 200) { await agentPage(name); $('#promote-result').textContent = 'promoted'; return; }
    result.textContent = rr.status === 202 ? 'waiting for a second owner\'s review'
      : (rr.body && rr.body.error ? rr.body.error.message : 'HTTP ' + rr.status);
  });
  const history = el('table', { id: 'agent-history' }, el('thead', {}, el('tr', {}, el('th', { text: 'time' }),
    el('th', { text: 'action' }), el('th', { text: 'label' }), el('th', { text: 'version' }),
    el('th', { text: 'by' }))));
  const hb = el('tbody');
  for (const m of a.history || []) {
    hb.append(el('tr', {}, el('td', { text: m.time }), el('td', { text: m.action }), el('td', { text: m.label }),
      el('td', { text: m.version }), el('td', { text: m.actor })));
  }
  history.append(hb);
  p.append(el('p', { text: a.description || '' }), versions, form, result, el('h3', { text: 'History' }), history);
}

async function evalsPage() {
  const p = page('Evaluation runs');
  const r = await api('/admin/evals');
  if (r.status !== 200) { errorLine(p, r); return; }
  const table = el('table', { id: 'evals' }, el('thead', {}, el('tr', {}, el('th', { text: 'time' }),
    el('th', { text: 'set' }), el('th', { text: 'target' }), el('th', { text: 'agent version' }),
    el('th', { class: 'num', text: 'passes' }), el('th', { class: 'num', text: 'pass rate' }),
    el('th', { class: 'num', text: 'gate' }))));
  const body = el('tbody');
  for (const e of r.body.runs) {
    body.append(el('tr', {}, el('td', { text: e.time }), el('td', { text: e.set + '@' + e.set_version }),
      el('td', { text: e.target }), el('td', { text: e.agent_version || '' }),
      el('td', { class: 'num', text: e.passes + '/' + e.samples }),
      el('td', { class: 'num', text: Number(e.pass_rate).toFixed(4) }),
      el('td', { class: 'num', text: e.min_pass_rate > 0 ? Number(e.min_pass_rate).toFixed(2) : '' })));
  }
  table.append(body);
  p.append(table);
}

loadSession();
