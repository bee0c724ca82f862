// memcg-sim report page (inlined into every HTML report by src/report/html.ts): reads the
// JSON data block and draws its charts with Observable Plot (the global Plot, on d3).
// A run: per cgroup memory.current with its memory.max / memory.high, swap, memory.events
// and the tasks' memory.high throttling over simulated time (or records when no time
// passes), OOM kills marked. A sweep: every metric that varies against every axis, and a
// heatmap over the first two axes. A compare result: a bar chart per metric.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('memcg-sim-data').textContent);
  const root = document.getElementById('report');
  // Tableau 20: twenty colours in ten pairs, so twenty cgroups stay apart.
  const COLORS = ['#4e79a7', '#a0cbe8', '#f28e2b', '#ffbe7d', '#59a14f', '#8cd17d', '#b6992d', '#f1ce63', '#499894', '#86bcb6',
    '#e15759', '#ff9d9a', '#79706e', '#bab0ac', '#d37295', '#fabfd2', '#b07aa1', '#d4a6c8', '#9d7660', '#d7b5a6'];
  /** n distinct colours: Tableau 20 up to 20, else evenly spaced on the turbo map. */
  const palette = (n) => (n <= COLORS.length ? COLORS : d3.quantize(d3.interpolateTurbo, n + 2).slice(1, -1));
  const MIB = 1048576;
  const UNLIMITED = 2 ** 52; // a byte value at or above this is "no limit" (v1 prints PAGE_COUNTER_MAX pages as bytes)
  const WIDTH = 640;
  const HEIGHT = 320;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }
  function figure(title, chart, rows, extra) {
    const f = el('figure', { class: 'chart', 'data-rows': rows, 'data-title': title }, el('figcaption', {}, title), chart);
    if (extra) f.append(el('div', { class: 'note' }, extra));
    return f;
  }
  function table(header, rows) {
    return el('table', {}, el('thead', {}, el('tr', {}, ...header.map((h) => el('th', {}, h)))),
      el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => (c instanceof Node ? el('td', {}, c) : el('td', {}, c)))))));
  }
  const mib = (bytes) => (bytes === null ? 'max' : `${(bytes / MIB).toFixed(1)} MiB`);
  const pagesMib = (pages) => (pages === null ? 'max' : mib(pages * 4096));
  const num = (v) => {
    if (typeof v === 'boolean') return v ? 1 : 0;
    const n = typeof v === 'number' ? v : Number(v);
    return typeof v === 'string' && v.trim() === '' ? null : Number.isFinite(n) ? n : null;
  };

  /** "a/b/memory.events:max" → { cgroup: 'a/b', file: 'memory.events', key: 'max' }; "task:web:throttledMs" → { task, field }. */
  function column(name) {
    const t = /^task:(.*):([A-Za-z]+)$/.exec(name);
    if (t) return { task: t[1], field: t[2] };
    const m = /^(?:(.*)\/)?((?:memory|cgroup)\.[^:]+)(?::(.+))?$/.exec(name);
    return m ? { cgroup: m[1] === undefined ? '/' : m[1], file: m[2], key: m[3] } : null;
  }

  const BYTES = new Set(['memory.current', 'memory.max', 'memory.high', 'memory.swap.current', 'memory.swap.max', 'memory.peak', 'memory.swap.peak',
    'memory.usage_in_bytes', 'memory.limit_in_bytes', 'memory.max_usage_in_bytes', 'memory.memsw.usage_in_bytes', 'memory.memsw.limit_in_bytes', 'memory.low', 'memory.min']);

  function runReport(d) {
    const res = d.result;
    root.append(el('h1', {}, res.scenario));
    if (res.description) root.append(el('p', { class: 'desc' }, res.description));
    for (const run of res.runs) runSection(run, res.runs.length > 1 || run.variant !== null);
  }

  function runSection(run, variants) {
    const s = run.system;
    if (variants) root.append(el('h2', {}, `variant ${run.variant}`));
    root.append(el('p', { class: 'sys' }, `profile ${s.profile}, cgroup v${s.cgroupVersion}, ${s.nodes} node(s) × ${s.cpus / s.nodes} CPUs, seed ${s.seed}: ` +
      `${run.ops} records, ${run.clockMs} ms simulated, ${run.samples.length} samples`));
    const useMs = run.clockMs > 0;
    const xLabel = useMs ? 'simulated time (ms)' : 'records replayed';
    const xOf = (sample) => (useMs ? sample.ms : sample.ops);
    const series = []; // { x, cgroup, file, key, value } per sampled cgroup file value
    const tasks = []; // { x, task, field, value }
    for (const sample of run.samples) {
      for (const [name, text] of Object.entries(sample.values)) {
        const c = column(name);
        if (!c) continue;
        const value = num(text);
        if (c.task !== undefined) tasks.push({ x: xOf(sample), task: c.task, field: c.field, value });
        else series.push({ x: xOf(sample), cgroup: c.cgroup, file: c.file, key: c.key || null, value });
      }
    }
    const cgroups = [...new Set(series.map((r) => r.cgroup))];
    const color = { legend: true, domain: cgroups, range: palette(cgroups.length), label: 'cgroup' };
    // The first sample at which a task is seen killed: its OOM kill (at the sampling resolution).
    const kills = [];
    for (const name of new Set(tasks.map((t) => t.task))) {
      const k = tasks.find((t) => t.task === name && t.field === 'killed' && t.value === 1);
      if (k) kills.push({ x: k.x, label: `OOM kill: ${name}` });
    }
    // A label left of its rule in the right half of the chart, so it is not cut at the edge.
    const xEnd = Math.max(0, ...run.samples.map(xOf));
    const left = kills.filter((k) => k.x > xEnd / 2);
    const right = kills.filter((k) => k.x <= xEnd / 2);
    const killMarks = () => kills.length ? [Plot.ruleX(kills, { x: 'x', stroke: '#c00', strokeWidth: 1.5 }),
      Plot.text(right, { x: 'x', text: 'label', frameAnchor: 'top', dx: 4, dy: 4, textAnchor: 'start', fill: '#c00' }),
      Plot.text(left, { x: 'x', text: 'label', frameAnchor: 'top', dx: -4, dy: 4, textAnchor: 'end', fill: '#c00' })] : [];
    const grid = el('div', { class: 'grid' });
    root.append(grid);
    const chart = (title, rows, marks, yLabel, extra, colorOpt = color) => {
      grid.append(figure(title, Plot.plot({
        width: WIDTH, height: HEIGHT, marginLeft: 60, x: { label: xLabel, grid: true }, y: { label: yLabel, grid: true },
        color: colorOpt, marks: [...marks, ...killMarks(), Plot.ruleY([0])],
      }), rows.length, extra));
    };
    const bytes = (files) => series.filter((r) => files.includes(r.file) && r.value !== null && r.value < UNLIMITED).map((r) => ({ ...r, mib: r.value / MIB }));
    const used = new Set();
    const use = (...files) => files.forEach((f) => used.add(f));

    // Usage with its limits (dashed memory.max, dotted memory.high), per cgroup.
    const usage = bytes(['memory.current', 'memory.usage_in_bytes']);
    if (usage.length) {
      const max = bytes(['memory.max', 'memory.limit_in_bytes']);
      const high = bytes(['memory.high']);
      chart('memory usage per cgroup', usage, [
        Plot.line(usage, { x: 'x', y: 'mib', stroke: 'cgroup', z: 'cgroup', strokeWidth: 1.6 }),
        Plot.line(max, { x: 'x', y: 'mib', stroke: 'cgroup', z: 'cgroup', strokeDasharray: '7,4', strokeWidth: 1.2 }),
        Plot.line(high, { x: 'x', y: 'mib', stroke: 'cgroup', z: 'cgroup', strokeDasharray: '2,3', strokeWidth: 1.2 }),
        Plot.tip(usage, Plot.pointer({ x: 'x', y: 'mib', title: (r) => `${r.cgroup}\n${r.file} ${r.mib.toFixed(1)} MiB\nat ${r.x}` })),
      ], `${usage[0].file} (MiB)`, 'solid: usage; dashed: memory.max (v1 limit_in_bytes); dotted: memory.high; a missing line is "max"');
      use('memory.current', 'memory.usage_in_bytes', 'memory.max', 'memory.limit_in_bytes', 'memory.high');
    }
    const swap = bytes(['memory.swap.current', 'memory.memsw.usage_in_bytes']);
    use('memory.swap.current', 'memory.memsw.usage_in_bytes');
    if (swap.some((r) => r.value > 0)) {
      chart('swap per cgroup', swap, [Plot.line(swap, { x: 'x', y: 'mib', stroke: 'cgroup', z: 'cgroup', strokeWidth: 1.6 })], `${swap[0].file} (MiB)`);
    }
    // Event counters (cumulative), one chart per event that happened.
    const counted = series.filter((r) => (r.file === 'memory.events' && r.key) || r.file === 'memory.failcnt' || (r.file === 'memory.oom_control' && r.key === 'oom_kill'));
    use('memory.events', 'memory.failcnt', 'memory.oom_control');
    const kinds = [...new Set(counted.map((r) => (r.key && r.file !== 'memory.failcnt' ? `${r.file} ${r.key}` : r.file)))];
    for (const kind of kinds) {
      const rows = counted.filter((r) => (r.key && r.file !== 'memory.failcnt' ? `${r.file} ${r.key}` : r.file) === kind && r.value !== null);
      if (!rows.some((r) => r.value > 0)) continue;
      chart(`${kind} over time`, rows, [Plot.line(rows, { x: 'x', y: 'value', stroke: 'cgroup', z: 'cgroup', curve: 'step-after', strokeWidth: 1.6 })], `${kind} (events, cumulative)`);
    }
    // memory.high throttling: the time each task has slept.
    const thr = tasks.filter((t) => t.field === 'throttledMs' && t.value !== null);
    if (thr.some((t) => t.value > 0)) {
      const names = [...new Set(thr.map((t) => t.task))];
      chart('memory.high throttling per task', thr, [Plot.line(thr, { x: 'x', y: 'value', stroke: 'task', z: 'task', strokeWidth: 1.6 })],
        'time throttled (ms, cumulative)', undefined, { legend: true, domain: names, range: palette(names.length), label: 'task' });
    }
    // The scenario's other sampled values, one chart per file (and key).
    const others = series.filter((r) => !used.has(r.file) && r.value !== null);
    for (const kind of [...new Set(others.map((r) => (r.key ? `${r.file}:${r.key}` : r.file)))]) {
      const rows = others.filter((r) => (r.key ? `${r.file}:${r.key}` : r.file) === kind);
      const inBytes = BYTES.has(rows[0].file) || rows[0].file === 'memory.stat';
      const y = inBytes ? 'mib' : 'value';
      const shown = rows.map((r) => ({ ...r, mib: r.value / MIB }));
      chart(kind, shown, [Plot.line(shown, { x: 'x', y, stroke: 'cgroup', z: 'cgroup', strokeWidth: 1.6 })], inBytes ? `${kind} (MiB)` : kind);
    }
    if (!grid.children.length) grid.append(el('p', {}, 'nothing sampled: run with --html, or give the scenario a sample block'));

    root.append(el('h3', {}, 'cgroups at the end'));
    root.append(table(['cgroup', 'usage', 'peak', 'max', 'high', 'max events', 'oom', 'oom_kill', 'throttled'], run.cgroups.map((g) => [
      g.path, pagesMib(g.usagePages), pagesMib(g.peakPages), pagesMib(g.maxPages), pagesMib(g.highPages), g.events.max, g.events.oom, g.events.oom_kill, `${g.throttledMs} ms`,
    ])));
    if (run.tasks.length) {
      root.append(el('h3', {}, 'tasks'));
      root.append(table(['task', 'cgroup', 'anon', 'swap', 'throttled', 'state'], run.tasks.map((t) => [
        t.name, t.cgroup, pagesMib(t.anonPages), pagesMib(t.swapEntries), `${t.throttledMs} ms`, t.killed ? 'OOM-killed' : t.alive ? 'alive' : 'exited',
      ])));
    }
    if (run.expectations.length) {
      root.append(el('h3', {}, 'expectations'));
      root.append(table(['expectation', 'check', 'result'], run.expectations.map((e) => [e.path, e.check, el('span', { class: e.ok ? 'ok' : 'bad' }, e.ok ? 'ok' : `FAIL (got ${e.actual})`)])));
    }
  }

  /** A metric's unit and the factor from its value: bytes and pages in MiB, times in ms. */
  function unit(name) {
    const file = /(?:^|[/(])((?:memory)\.[a-z_.]+)(?:\)|$)/.exec(name);
    if (file && BYTES.has(file[1])) return { label: `${name} (MiB)`, f: 1 / MIB };
    if (/Pages$/.test(name)) return { label: `${name} (MiB)`, f: 4096 / MIB };
    if (/(Ms|clockMs)$/.test(name)) return { label: `${name} (ms)`, f: 1 };
    return { label: name, f: 1 };
  }
  const show = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

  function sweepReport(d) {
    root.append(el('h1', {}, d.title));
    if (d.description) root.append(el('p', { class: 'desc' }, d.description));
    const rows = d.rows.filter((r) => r.metrics);
    const axes = d.axes;
    root.append(el('p', { class: 'sys' }, `${d.rows.length} points; axes: ${axes.map((a) => `${a.key} (${a.values.length})`).join(' × ') || 'none'}`));
    const failed = d.rows.filter((r) => r.error);
    if (failed.length) {
      root.append(el('h3', { class: 'bad' }, `${failed.length} points could not run`));
      root.append(table(['point', 'coordinates', 'error'], failed.map((r) => [r.point, JSON.stringify(r.coords), r.error])));
    }
    const names = [];
    for (const r of rows) for (const k of Object.keys(r.metrics)) if (!names.includes(k)) names.push(k);
    const numeric = names.filter((k) => rows.every((r) => r.metrics[k] === undefined || r.metrics[k] === null || num(r.metrics[k]) !== null));
    const varying = numeric.filter((k) => new Set(rows.map((r) => num(r.metrics[k]))).size > 1);
    const LIMIT = 60;
    const shown = varying.slice(0, LIMIT);
    const constant = numeric.filter((k) => !varying.includes(k));
    root.append(el('p', {}, `${varying.length} metrics vary across the points${varying.length > LIMIT ? ` (the first ${LIMIT} are drawn)` : ''}; ` +
      `${constant.length} are the same at every point${constant.length ? ` (${constant.slice(0, 12).join(', ')}${constant.length > 12 ? ', …' : ''})` : ''}.`));
    const filter = el('input', { id: 'filter', type: 'search', placeholder: 'show metrics whose name contains…' });
    root.append(filter);
    const sections = [];
    for (const m of shown) {
      const u = unit(m);
      const sec = el('section', { 'data-metric': m }, el('h2', {}, m));
      const grid = el('div', { class: 'grid' });
      sec.append(grid);
      root.append(sec);
      sections.push(sec);
      const pts = rows.map((r) => {
        const o = { y: num(r.metrics[m]) === null ? null : num(r.metrics[m]) * u.f };
        for (const a of axes) o[a.key] = show(r.coords[a.key]);
        return o;
      });
      for (const a of axes) {
        const numericAxis = a.values.every((v) => typeof v === 'number');
        const xv = (p) => (numericAxis ? Number(p[a.key]) : p[a.key]);
        const others = axes.filter((b) => b.key !== a.key);
        const combo = (p) => others.map((b) => `${b.key}=${p[b.key]}`).join(', ') || 'all';
        const combos = [...new Set(pts.map(combo))];
        const x = numericAxis ? { label: a.key, grid: true } : { label: a.key, type: 'point', domain: a.values.map(show), padding: 0.3 };
        const marks = [];
        if (combos.length <= 20) {
          const rowsX = pts.map((p) => ({ x: xv(p), y: p.y, series: combo(p) }));
          marks.push(Plot.line(rowsX, { x: 'x', y: 'y', stroke: 'series', z: 'series', strokeWidth: 1.6 }), Plot.dot(rowsX, { x: 'x', y: 'y', fill: 'series', r: 3 }),
            Plot.tip(rowsX, Plot.pointer({ x: 'x', y: 'y', title: (r) => `${a.key}=${r.x}\n${r.series}\n${m} ${r.y}` })));
          grid.append(figure(`${m} by ${a.key}`, Plot.plot({
            width: WIDTH, height: HEIGHT, marginLeft: 70, x, y: { label: u.label, grid: true },
            color: { legend: combos.length > 1, domain: combos, range: palette(combos.length) }, marks: [...marks, Plot.ruleY([0])],
          }), rowsX.length));
        } else {
          const rowsX = pts.map((p) => ({ x: xv(p), y: p.y }));
          marks.push(Plot.areaY(rowsX, Plot.groupX({ y1: 'min', y2: 'max' }, { x: 'x', y: 'y', fill: '#4e79a7', fillOpacity: 0.2 })),
            Plot.lineY(rowsX, Plot.groupX({ y: 'mean' }, { x: 'x', y: 'y', stroke: '#4e79a7', strokeWidth: 1.6 })),
            Plot.dot(rowsX, Plot.groupX({ y: 'mean' }, { x: 'x', y: 'y', fill: '#4e79a7', r: 3 })));
          grid.append(figure(`${m} by ${a.key} (mean, band: min–max over ${others.map((b) => b.key).join(', ')})`, Plot.plot({
            width: WIDTH, height: HEIGHT, marginLeft: 70, x, y: { label: u.label, grid: true }, marks: [...marks, Plot.ruleY([0])],
          }), rowsX.length));
        }
      }
      if (axes.length >= 2) {
        const [ax, ay] = axes;
        const rest = axes.slice(2).map((b) => b.key);
        grid.append(figure(`${m}: ${ax.key} × ${ay.key}${rest.length ? ` (mean over ${rest.join(', ')})` : ''}`, Plot.plot({
          width: WIDTH, height: Math.max(HEIGHT, 40 * ay.values.length + 80), marginLeft: 110, padding: 0.04,
          x: { label: ax.key, domain: ax.values.map(show) }, y: { label: ay.key, domain: ay.values.map(show) },
          color: { legend: true, scheme: 'viridis', label: u.label },
          marks: [
            Plot.cell(pts, Plot.group({ fill: 'mean' }, { x: ax.key, y: ay.key, fill: 'y', inset: 0.5 })),
            Plot.text(pts, Plot.group({ text: 'mean' }, { x: ax.key, y: ay.key, text: 'y', fill: 'black', stroke: 'white', strokeWidth: 4, paintOrder: 'stroke', fontSize: 13, fontWeight: 'bold' })),
          ],
        }), pts.length));
      }
    }
    filter.addEventListener('input', () => {
      for (const s of sections) s.style.display = s.dataset.metric.includes(filter.value) ? '' : 'none';
    });
    root.append(el('h2', {}, 'points'));
    const keys = axes.map((a) => a.key);
    root.append(table(['point', ...keys, 'seed', 'ok'], d.rows.map((r) => [r.point, ...keys.map((k) => show(r.coords[k])), r.seed, r.error ? 'error' : String(r.ok)])));
  }

  // compare: a bar per column for every metric, labelled with its change against the first.
  function compareReport(d) {
    const res = d.result;
    root.append(el('h1', {}, d.title));
    root.append(el('p', { class: 'sys' }, `${res.columns.length} columns: ${res.columns.map((c) => `${c.name} (${c.profile}, ${c.cpus} CPUs)`).join('; ')}`));
    const grid = el('div', { class: 'grid' });
    root.append(grid);
    const names = res.columns.map((c) => c.name);
    for (const [k, label] of Object.entries(d.labels)) {
      const rows = res.columns.filter((c) => c.metrics[k] !== null).map((c, i) => ({
        name: c.name, v: c.metrics[k], tag: i === 0 || c.change[k] === null ? '' : `${c.change[k] >= 0 ? '+' : ''}${c.change[k].toFixed(1)}%`,
      }));
      if (!rows.length) continue;
      grid.append(figure(label, Plot.plot({
        width: WIDTH, height: HEIGHT, marginLeft: 70, x: { label: null, domain: names, padding: 0.25 }, y: { label, grid: true },
        color: { domain: names, range: palette(names.length) },
        marks: [Plot.barY(rows, { x: 'name', y: 'v', fill: 'name', tip: true }), Plot.text(rows, { x: 'name', y: 'v', text: 'tag', dy: -8 }), Plot.ruleY([0])],
      }), rows.length));
    }
  }

  if (data.kind === 'run') runReport(data);
  else if (data.kind === 'compare') compareReport(data);
  else if (data.kind === 'sweep') sweepReport(data);
  document.body.dataset.charts = String(document.querySelectorAll('figure.chart').length);
  document.body.dataset.ready = 'true';
})();
