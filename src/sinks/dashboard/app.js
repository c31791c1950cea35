// TradeStream live dashboard. Connects to the engine's /ws, folds the snapshot and then the
// sequenced deltas into local state (the same folding as src/sinks/liveState.ts), and redraws at
// most once per animation frame. No framework; every value from the engine is written as text.
(() => {
  const MAX_DECISIONS = 150;
  // Everything the page draws; per-strategy confidence scores (the bulk of the stream) are not shown.
  const CHANNELS = ['position', 'size', 'ensemble', 'portfolio', 'decision'];
  const MAX_CHART_POINTS = 20_000;
  const RECONNECT_MIN_MS = 500;
  const RECONNECT_MAX_MS = 5_000;
  const BREAKER_COLORS = { NORMAL: '#3fb68b', REDUCING: '#e8a33d', HALTED: '#ef5350' };
  const DECISION_GROUPS = {
    position: { label: 'Positions', on: true },
    ensemble: { label: 'Ensembles', on: true },
    rotation: { label: 'Rotations', on: true },
    breaker: { label: 'Breaker', on: true },
    strategy: { label: 'Strategies', on: false },
  };

  const $ = (id) => document.getElementById(id);
  const state = {
    seq: null,
    time: null,
    positions: new Map(),
    sizes: new Map(),
    ensembles: new Map(),
    portfolio: null,
    // One bounded buffer per decision group, so noisy strategy decisions never push trades out.
    decisions: Object.fromEntries(Object.keys(DECISION_GROUPS).map((g) => [g, []])),
  };
  const dirty = { header: true, positions: true, ensembles: true, decisions: true };

  // ---- formatting ---------------------------------------------------------------------------
  const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
  const signedMoney = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 2, signDisplay: 'exceptZero' });
  const pct = (x, digits = 1) => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '—');
  const price = (x) => (Number.isFinite(x) ? x.toPrecision(x >= 1000 ? 7 : 5).replace(/\.?0+$/, '') : '—');
  const quantity = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 5 });
  const qty = (x) => (Number.isFinite(x) ? quantity.format(x) : '—');
  const eventTime = (ms) => (Number.isFinite(ms) ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '—');

  /** Creates an element with a class and text or children. */
  function el(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (Array.isArray(content)) node.append(...content);
    else if (content !== undefined && content !== null) node.textContent = String(content);
    return node;
  }

  // ---- chart --------------------------------------------------------------------------------
  const LC = window.LightweightCharts;
  const chartBox = $('equity-chart');
  const chart = LC.createChart(chartBox, {
    autoSize: true,
    layout: {
      background: { type: 'solid', color: 'transparent' },
      textColor: '#9aa4b2',
      fontFamily: 'ui-sans-serif, system-ui, sans-serif',
      panes: { separatorColor: '#2a3140' },
    },
    grid: { vertLines: { color: '#1f2532' }, horzLines: { color: '#1f2532' } },
    rightPriceScale: { borderColor: '#2a3140' },
    timeScale: { borderColor: '#2a3140', timeVisible: true, secondsVisible: false },
    crosshair: { mode: LC.CrosshairMode.Normal },
  });
  const equitySeries = chart.addSeries(LC.LineSeries, {
    color: '#4c9aff',
    lineWidth: 2,
    priceFormat: { type: 'price', precision: 0, minMove: 1 },
    title: 'equity',
  });
  const drawdownSeries = chart.addSeries(
    LC.AreaSeries,
    {
      lineColor: '#ef5350',
      topColor: 'rgba(239, 83, 80, 0.04)',
      bottomColor: 'rgba(239, 83, 80, 0.22)',
      invertFilledArea: true,
      lineWidth: 1,
      priceFormat: { type: 'custom', formatter: (v) => `${v.toFixed(2)}%`, minMove: 0.01 },
      title: 'drawdown',
    },
    1,
  );
  chart.panes()[0]?.setStretchFactor(0.72);
  chart.panes()[1]?.setStretchFactor(0.28);
  // Show the whole curve since connect until the user zooms or scrolls; a double-click fits again.
  let fitChart = true;
  for (const type of ['wheel', 'mousedown', 'touchstart']) chartBox.addEventListener(type, () => (fitChart = false), { passive: true });
  chartBox.addEventListener('dblclick', () => {
    fitChart = true;
    chart.timeScale().fitContent();
  });
  const breakerMarkers = LC.createSeriesMarkers(equitySeries, []);
  const chartData = { equity: [], drawdown: [], markers: [], pending: [], lastBreaker: null, reset: false };

  /** Queues one portfolio value as a chart point (one per second of event time; the latest wins). */
  function chartPortfolio(p) {
    const time = Math.floor(p.time / 1000);
    const last = chartData.equity[chartData.equity.length - 1];
    if (last !== undefined && time < last.time) return;
    const e = { time, value: p.equity };
    const d = { time, value: -p.drawdown * 100 };
    if (last !== undefined && time === last.time) {
      chartData.equity[chartData.equity.length - 1] = e;
      chartData.drawdown[chartData.drawdown.length - 1] = d;
    } else {
      chartData.equity.push(e);
      chartData.drawdown.push(d);
    }
    chartData.pending.push([e, d]);
    if (chartData.lastBreaker !== null && chartData.lastBreaker !== p.state) {
      chartData.markers.push({
        time,
        position: p.state === 'NORMAL' ? 'belowBar' : 'aboveBar',
        color: BREAKER_COLORS[p.state] ?? '#9aa4b2',
        shape: p.state === 'NORMAL' ? 'arrowUp' : 'arrowDown',
        text: p.state,
      });
      chartData.markersDirty = true;
    }
    chartData.lastBreaker = p.state;
    if (chartData.equity.length > MAX_CHART_POINTS) {
      const keep = MAX_CHART_POINTS / 2;
      chartData.equity = chartData.equity.slice(-keep);
      chartData.drawdown = chartData.drawdown.slice(-keep);
      chartData.markers = chartData.markers.filter((m) => m.time >= chartData.equity[0].time);
      chartData.reset = true;
    }
  }

  function drawChart() {
    if (chartData.reset) {
      equitySeries.setData(chartData.equity);
      drawdownSeries.setData(chartData.drawdown);
      chartData.markersDirty = true;
    } else {
      for (const [e, d] of chartData.pending) {
        equitySeries.update(e);
        drawdownSeries.update(d);
      }
    }
    if (chartData.markersDirty) breakerMarkers.setMarkers(chartData.markers);
    if (fitChart) chart.timeScale().fitContent();
    chartData.pending = [];
    chartData.reset = false;
    chartData.markersDirty = false;
    chartBox.dataset.points = String(chartData.equity.length);
  }

  // ---- folding engine messages --------------------------------------------------------------
  function applySnapshot(msg) {
    state.seq = msg.seq;
    state.positions = new Map(msg.positions.map((p) => [p.symbol, p]));
    state.sizes = new Map(msg.sizes.map((s) => [s.symbol, s]));
    state.ensembles = new Map(msg.ensembles.map((e) => [e.symbol, e]));
    if (msg.portfolio) {
      state.portfolio = msg.portfolio;
      state.time = msg.portfolio.time;
      chartPortfolio(msg.portfolio);
    }
    for (const key of Object.keys(dirty)) dirty[key] = true;
  }

  function applyDelta(d) {
    if (state.seq !== null && d.seq <= state.seq) return; // already covered by the snapshot
    state.seq = d.seq;
    if (Number.isFinite(d.time)) state.time = d.time;
    dirty.header = true;
    switch (d.type) {
      case 'position':
        if (d.status === 'open') state.positions.set(d.symbol, d);
        else state.positions.delete(d.symbol);
        dirty.positions = true;
        break;
      case 'size':
        state.sizes.set(d.symbol, d);
        dirty.positions = true;
        break;
      case 'ensemble':
        if (d.active) state.ensembles.set(d.symbol, d);
        else if (state.ensembles.get(d.symbol)?.id === d.id) state.ensembles.delete(d.symbol);
        dirty.ensembles = true;
        break;
      case 'portfolio':
        state.portfolio = d;
        chartPortfolio(d);
        break;
      case 'decision': {
        const group = d.decision.split('.')[0];
        const list = state.decisions[group];
        if (list === undefined) break;
        list.push(d);
        if (list.length > MAX_DECISIONS) list.splice(0, list.length - MAX_DECISIONS);
        dirty.decisions = true;
        break;
      }
      default:
        break;
    }
  }

  // ---- drawing ------------------------------------------------------------------------------
  function drawHeader() {
    const p = state.portfolio;
    $('seq').textContent = state.seq === null ? '—' : String(state.seq);
    $('event-time').textContent = state.time === null ? '—' : eventTime(state.time);
    $('kpi-equity').textContent = p ? money.format(p.equity) : '—';
    $('kpi-cash').textContent = p ? money.format(p.cash) : '—';
    $('kpi-hwm').textContent = p ? money.format(p.highWaterMark) : '—';
    $('kpi-drawdown').textContent = p ? pct(p.drawdown, 2) : '—';
    $('kpi-drawdown').dataset.level = p ? (p.state === 'NORMAL' ? 'ok' : p.state === 'REDUCING' ? 'warn' : 'bad') : '';
    $('kpi-scale').textContent = p ? pct(p.sizeScale, 0) : '—';
    $('kpi-open').textContent = String(state.positions.size);
    const breaker = $('breaker');
    breaker.dataset.state = p ? p.state : 'unknown';
    breaker.textContent = p ? `breaker ${p.state}` : 'breaker —';
  }

  function drawPositions() {
    const symbols = [...new Set([...state.sizes.keys(), ...state.positions.keys()])].sort();
    const rows = symbols.map((symbol) => {
      const p = state.positions.get(symbol);
      const s = state.sizes.get(symbol);
      const pnl = el('td', `num ${p ? (p.pnl >= 0 ? 'up' : 'down') : ''}`, p ? signedMoney.format(p.pnl) : '');
      const row = el('tr', p ? 'open' : 'flat', [
        el('td', 'symbol', symbol),
        el('td', 'num', p ? qty(p.quantity) : '—'),
        el('td', 'num', p ? price(p.entryPrice) : ''),
        el('td', 'num', p ? price(p.markPrice) : ''),
        el('td', 'num', [sizeBar(p ? p.size : 0)]),
        el('td', 'num', s ? pct(s.size) : ''),
        el('td', `binding binding-${s ? s.binding : 'none'}`, s ? s.binding : ''),
        el('td', 'num', s ? pct(s.riskContribution, 0) : ''),
        pnl,
      ]);
      row.dataset.symbol = symbol;
      if (s) row.title = s.reason;
      return row;
    });
    $('positions').tBodies[0].replaceChildren(...rows);
    $('positions-empty').hidden = rows.length > 0;
  }

  /** A size as a percentage with a small bar (a full bar is 25% of equity). */
  function sizeBar(size) {
    const box = el('span', 'sizebar', [el('span', 'fill'), el('span', 'text', size > 0 ? pct(size) : '—')]);
    box.firstChild.style.width = `${Math.min(100, (size / 0.25) * 100)}%`;
    return box;
  }

  function drawEnsembles() {
    const cards = [...state.ensembles.values()]
      .sort((a, b) => (a.symbol < b.symbol ? -1 : 1))
      .map((e) => {
        const members = e.members.map((m) =>
          el('li', `member side-${m.side}`, [
            el('span', 'dot', ''),
            Object.assign(el('span', 'type', m.type), { title: `${m.type} ${m.strategyId}` }),
            el('span', 'conf', `conf ${m.confidence.toFixed(2)}`),
            el('span', 'weight', pct(m.weight, 0)),
          ]),
        );
        const card = el('article', `ensemble ${e.usable ? '' : 'unusable'}`, [
          el('header', '', [el('span', 'symbol', e.symbol), el('span', 'total', `total ${e.total.toFixed(3)}`)]),
          el('div', 'exposure', [el('span', 'fill'), el('span', 'text', `exposure ${pct(e.exposure, 0)}`)]),
          el('ul', 'members', members),
        ]);
        card.querySelector('.exposure .fill').style.width = `${Math.round(e.exposure * 100)}%`;
        card.title = `ensemble ${e.id}: P ${e.performance.toFixed(3)}, D ${e.diversification.toFixed(3)}, R ${e.risk.toFixed(3)}`;
        return card;
      });
    $('ensembles').replaceChildren(...cards);
    $('ensembles-empty').hidden = cards.length > 0;
    $('ensemble-count').textContent = cards.length > 0 ? `${cards.length} symbols` : '';
  }

  function drawDecisions() {
    const shown = Object.entries(state.decisions)
      .filter(([group]) => DECISION_GROUPS[group].on)
      .flatMap(([, list]) => list)
      .sort((a, b) => b.seq - a.seq)
      .slice(0, MAX_DECISIONS);
    const items = shown.map((d) =>
      el('li', `decision group-${d.decision.split('.')[0]}`, [
        el('time', 'when', eventTime(d.time)),
        el('span', 'kind', d.decision),
        el('span', 'symbol', d.symbol ?? 'portfolio'),
        el('span', 'reason', d.reason),
      ]),
    );
    $('decisions').replaceChildren(...items);
    $('decisions-empty').hidden = items.length > 0;
  }

  function decisionFilters() {
    const bar = el('div', 'filters');
    for (const [group, spec] of Object.entries(DECISION_GROUPS)) {
      const box = el('input');
      box.type = 'checkbox';
      box.checked = spec.on;
      box.addEventListener('change', () => {
        spec.on = box.checked;
        dirty.decisions = true;
        schedule();
      });
      bar.append(el('label', `filter group-${group}`, [box, ` ${spec.label}`]));
    }
    document.querySelector('.decisions-card h2').after(bar);
  }

  let frame = 0;
  function schedule() {
    if (frame === 0) frame = requestAnimationFrame(draw);
  }
  function draw() {
    frame = 0;
    if (dirty.header) drawHeader();
    if (dirty.positions) drawPositions();
    if (dirty.ensembles) drawEnsembles();
    if (dirty.decisions) drawDecisions();
    if (chartData.pending.length > 0 || chartData.reset || chartData.markersDirty) drawChart();
    for (const key of Object.keys(dirty)) dirty[key] = false;
  }

  // ---- connection ---------------------------------------------------------------------------
  function socketUrl() {
    const url = new URL('/ws', window.location.href);
    url.protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const token = new URLSearchParams(window.location.search).get('token');
    url.search = token ? `?token=${encodeURIComponent(token)}` : '';
    return url.href;
  }

  function setConnection(status, text) {
    const pill = $('connection');
    pill.dataset.state = status;
    pill.textContent = text;
  }

  let retryMs = RECONNECT_MIN_MS;
  function connect() {
    setConnection('connecting', 'connecting');
    const ws = new WebSocket(socketUrl());
    ws.addEventListener('open', () => ws.send(JSON.stringify({ type: 'subscribe', symbols: '*', channels: CHANNELS })));
    ws.addEventListener('message', (event) => {
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        console.warn('dashboard: unparsable frame', event.data);
        return;
      }
      if (Array.isArray(msg)) for (const delta of msg) applyDelta(delta);
      else if (msg.type === 'snapshot') {
        retryMs = RECONNECT_MIN_MS;
        setConnection('live', 'live');
        applySnapshot(msg);
      } else if (msg.type === 'error') console.warn('dashboard: server says', msg.reason);
      schedule();
    });
    ws.addEventListener('close', (event) => {
      // A refused upgrade (bad token) shows up as 1006 too: browsers do not expose the HTTP status.
      const why = event.reason ? `${event.reason}, ${event.code}` : String(event.code);
      setConnection('down', `disconnected (${why}); retrying in ${(retryMs / 1000).toFixed(1)} s`);
      setTimeout(connect, retryMs);
      retryMs = Math.min(RECONNECT_MAX_MS, retryMs * 2);
    });
  }

  decisionFilters();
  schedule();
  connect();
})();
