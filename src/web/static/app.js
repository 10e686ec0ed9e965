// opendcu maintenance interface: plain JavaScript modules, no build step. Talks to the JSON API under /api
// (documented at /api/openapi.json) and listens to /api/live for the front-panel indicators.
// Everything shown is set with textContent or DOM nodes, never as HTML, so nothing from the API is markup.

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

const state = {
  session: { authenticated: false, passwordSet: true, csrfToken: undefined },
  status: undefined,
  protocols: {},
  meters: { offset: 0, limit: 50, total: 0, search: "", port: "" },
  missing: { offset: 0, limit: 20, total: 0 },
  parameter: undefined,
};

class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body ?? {};
  }
}

async function api(method, path, { json, body, contentType } = {}) {
  const headers = {};
  if (method !== "GET" && state.session.csrfToken) headers["X-CSRF-Token"] = state.session.csrfToken;
  let payload = body;
  if (json !== undefined) {
    payload = JSON.stringify(json);
    headers["Content-Type"] = "application/json";
  } else if (contentType !== undefined) {
    headers["Content-Type"] = contentType;
  }
  const response = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  const type = response.headers.get("content-type") ?? "";
  const data = type.includes("application/json") ? await response.json() : await response.text();
  if (!response.ok) {
    if (response.status === 401 && data?.error === "unauthenticated")
      setSession({ ...state.session, authenticated: false });
    throw new ApiError(response.status, typeof data === "object" ? data : { message: String(data) });
  }
  return data;
}

// ---------------------------------------------------------------------------------------------- notices
let noticeTimer;
function notice(text, isError = false) {
  const box = $("#notice");
  box.textContent = text;
  box.classList.toggle("error", isError);
  box.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(
    () => {
      box.hidden = true;
    },
    isError ? 10_000 : 5000,
  );
}

/** Shows an API error in `errorBox` and marks the input named by the error's field. */
function showError(error, form, errorBox) {
  if (form) for (const el of $$(".invalid", form)) el.classList.remove("invalid");
  const message = error instanceof ApiError ? error.message : String(error);
  if (errorBox) errorBox.textContent = message;
  else notice(message, true);
  const field = error instanceof ApiError ? error.body.field : undefined;
  if (form && typeof field === "string") {
    const input = form.elements.namedItem(field.split(".")[0]);
    if (input instanceof HTMLElement) {
      input.classList.add("invalid");
      input.focus();
    }
  }
}

function clearError(form, errorBox) {
  for (const el of $$(".invalid", form)) el.classList.remove("invalid");
  if (errorBox) errorBox.textContent = "";
}

// ------------------------------------------------------------------------------------------------- dom
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function fillList(dl, pairs) {
  dl.replaceChildren(...pairs.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v ?? "—")]));
}

const pad = (n) => String(n).padStart(2, "0");
/** A time in the terminal's local civil time (its UTC offset), as YYYY-MM-DD hh:mm:ss. */
function terminalTime(ms) {
  if (ms === null || ms === undefined) return "never";
  const offset = state.status?.terminal.utcOffsetMinutes ?? 0;
  const d = new Date(ms + offset * 60_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}
const dayText = (key) => `${String(key).slice(4, 6)}-${String(key).slice(6, 8)}`;
function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
function duration(seconds) {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min ${seconds % 60} s`;
}

// --------------------------------------------------------------------------------------------- session
function setSession(session) {
  state.session = session;
  document.body.classList.toggle("logged-in", session.authenticated);
  $("#session-button").textContent = session.authenticated ? "Log out" : "Log in";
}

async function refreshSession() {
  setSession(await api("GET", "/api/session"));
}

let loginWaiters = [];
function openLogin() {
  const first = !state.session.passwordSet;
  $("#login-title").textContent = first ? "Set the maintenance password" : "Log in";
  $("#login-hint").textContent = first
    ? "First run: choose the password that will protect every change (at least 8 characters)."
    : "Changes need the maintenance password.";
  $("#login-submit").textContent = first ? "Set password" : "Log in";
  $("#login-form").reset();
  $("#login-error").textContent = "";
  const dialog = $("#login-dialog");
  if (!dialog.open) dialog.showModal();
  $("#login-form").elements.namedItem("password").focus();
}

/** Resolves once logged in (asking for the password if needed); rejects when the user cancels. */
function ensureLogin() {
  if (state.session.authenticated) return Promise.resolve();
  return new Promise((resolve, reject) => {
    loginWaiters.push({ resolve, reject });
    openLogin();
  });
}

function settleLogin(ok) {
  const waiters = loginWaiters;
  loginWaiters = [];
  for (const w of waiters) ok ? w.resolve() : w.reject(new Error("login cancelled"));
}

async function submitLogin(event) {
  event.preventDefault();
  const form = $("#login-form");
  const password = form.elements.namedItem("password").value;
  const path = state.session.passwordSet ? "/api/session" : "/api/session/password";
  try {
    setSession(await api("POST", path, { json: { password } }));
    $("#login-dialog").close();
    notice("Logged in.");
    settleLogin(true);
    refreshView();
  } catch (error) {
    showError(error, form, $("#login-error"));
  }
}

/** Runs a state-changing action: logs in first if needed, reports failures. */
async function guarded(action, form, errorBox) {
  try {
    await ensureLogin();
  } catch {
    return;
  }
  if (form) clearError(form, errorBox);
  try {
    await action();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      try {
        await ensureLogin();
        await action();
        return;
      } catch (again) {
        showError(again, form, errorBox);
        return;
      }
    }
    showError(error, form, errorBox);
  }
}

// -------------------------------------------------------------------------------------- live indicators
const LEDS = ["power", "run", "online", "rs485", "carrier", "alarm"];
function setIndicators(indicators) {
  for (const name of LEDS) $(`#led-${name}`).dataset.state = indicators[name] ? "on" : "off";
}

function connectLive() {
  const source = new EventSource("/api/live");
  source.addEventListener("indicators", (event) => {
    const indicators = JSON.parse(event.data);
    setIndicators(indicators);
    if (currentView() === "status") void loadStatus();
  });
  source.addEventListener("tick", (event) => {
    const tick = JSON.parse(event.data);
    $("#clock").textContent = tick.clockText;
  });
}

// ----------------------------------------------------------------------------------------------- status
async function loadStatus() {
  const s = await api("GET", "/api/status");
  state.status = s;
  setIndicators(s.indicators);
  $("#terminal-id").textContent = `terminal ${s.terminal.area}/${s.terminal.address}`;
  $("#clock").textContent = s.terminal.clockText;
  fillList($("#status-terminal"), [
    ["Address", `${s.terminal.area} / ${s.terminal.address}`],
    ["Clock", s.terminal.clockText],
    [
      "Time zone",
      `UTC${s.terminal.utcOffsetMinutes >= 0 ? "+" : "-"}${Math.abs(s.terminal.utcOffsetMinutes / 60)}`,
    ],
    ["Software", `${s.version.package} (${s.version.softwareVersion}, ${s.version.softwareDate})`],
    ["Vendor / device", `${s.version.vendor} / ${s.version.deviceNumber}`],
    ["Uptime", duration(s.uptimeSeconds)],
    ["Meters", s.meters.configured],
  ]);
  const u = s.uplink;
  fillList($("#status-uplink"), [
    ["State", u.state],
    ["Mode", u.mode],
    ["Listening", u.listen ? `${u.listen.host}:${u.listen.port}` : "—"],
    ["Master", u.connect ? `${u.connect.host}:${u.connect.port}` : "—"],
    ["Connections", u.sessions],
    ["Frames in / out", `${u.live.framesIn} / ${u.live.framesOut}`],
    [
      "Maintenance port",
      u.maintenance
        ? `${u.maintenance.path} ${u.maintenance.baudRate} bd, ${u.maintenance.open ? "open" : "not available"}, ` +
          `frames ${u.maintenance.framesIn} / ${u.maintenance.framesOut}`
        : "none",
    ],
  ]);
  fillList($("#status-traffic"), [
    ["Today up / down", `${bytes(s.traffic.today.upBytes)} / ${bytes(s.traffic.today.downBytes)}`],
    ["Month up / down", `${bytes(s.traffic.month.upBytes)} / ${bytes(s.traffic.month.downBytes)}`],
    ...s.channels.map((ch) => [
      ch.channel,
      `${Math.round(ch.utilisation * 100)} % busy, queue ${ch.queueDepth}`,
    ]),
  ]);
  const m = s.modules.modem;
  const local = s.modules.local;
  fillList($("#status-modules"), [
    ["Modem", m ? [m.manufacturer, m.model].filter(Boolean).join(" ") || "—" : "none"],
    ["Firmware", m?.firmware],
    ["IMEI", m?.imei],
    ["ICCID", m?.iccid],
    [
      "Signal",
      m?.signalDbm !== undefined
        ? `${m.signalDbm} dBm (CSQ ${m.rssi})`
        : m?.signalPercent !== undefined
          ? `${m.signalPercent} %`
          : undefined,
    ],
    ["Updated", m ? terminalTime(m.updatedAt) : undefined],
    ["Carrier module", local ? [local.vendor, local.chip, local.version].filter(Boolean).join(" ") : "—"],
  ]);
  fillList(
    $("#status-selfcheck"),
    s.selfCheck.faults.length === 0
      ? [["Faults", "none"]]
      : s.selfCheck.faults.map((f) => [`ERC21 code ${f.code} ${f.name}`, f.reasons.join("; ") || "—"]),
  );
  fillList($("#status-events"), [
    ["Important / general", `${s.events.importantTotal} / ${s.events.generalTotal}`],
    ["EC1 / EC2", `${s.events.ec1} / ${s.events.ec2}`],
    ["Unacknowledged alarms", s.events.unacknowledgedAlarms],
    [
      "Latest alarm",
      s.events.latestAlarm ? `ERC${s.events.latestAlarm.erc} ${s.events.latestAlarm.name}` : "—",
    ],
  ]);
}

// ----------------------------------------------------------------------------------------------- meters
async function loadMeters() {
  if (Object.keys(state.protocols).length === 0) {
    state.protocols = await api("GET", "/api/meters/protocols");
    const select = $("#meter-form").elements.namedItem("protocol");
    select.replaceChildren(
      ...Object.entries(state.protocols).map(([n, name]) => el("option", { value: n }, `${n} ${name}`)),
    );
    const portSelect = $("#meter-search").elements.namedItem("port");
    for (let p = 1; p <= 31; p++) portSelect.append(el("option", { value: p }, `port ${p}`));
  }
  const q = state.meters;
  const params = new URLSearchParams({ offset: q.offset, limit: q.limit });
  if (q.search) params.set("search", q.search);
  if (q.port) params.set("port", q.port);
  const page = await api("GET", `/api/meters?${params}`);
  q.total = page.total;
  $("#meter-table tbody").replaceChildren(
    ...page.meters.map((m) =>
      el(
        "tr",
        { "data-serial": m.serial },
        el("td", { class: "num" }, m.serial),
        el("td", { class: "num" }, m.point),
        el("td", { class: "num" }, m.port),
        el("td", {}, `${m.protocol} ${state.protocols[m.protocol] ?? ""}`),
        el("td", { class: "num" }, m.address),
        el("td", {}, m.baud === 0 ? "default" : m.baud),
        el("td", { class: "num" }, m.collector === "000000000000" ? "—" : m.collector),
        el(
          "td",
          {},
          el(
            "button",
            { type: "button", class: "reading", onclick: () => void openReading(m.point) },
            "Reading",
          ),
          " ",
          el("button", { type: "button", class: "needs-login", onclick: () => openMeterForm(m) }, "Edit"),
          " ",
          el("button", { type: "button", class: "needs-login", onclick: () => deleteMeter(m) }, "Delete"),
        ),
      ),
    ),
  );
  if (page.meters.length === 0)
    $("#meter-table tbody").append(el("tr", {}, el("td", { colspan: 8, class: "muted" }, "No meters.")));
  const from = page.total === 0 ? 0 : q.offset + 1;
  $("#meter-range").textContent = `${from}–${Math.min(q.offset + q.limit, page.total)} of ${page.total}`;
  $("#meter-prev").disabled = q.offset === 0;
  $("#meter-next").disabled = q.offset + q.limit >= page.total;
}

let editingSerial;
function openMeterForm(meter) {
  const form = $("#meter-form");
  form.reset();
  clearError(form, $("#meter-form-error"));
  editingSerial = meter?.serial;
  $("#meter-form-title").textContent = meter ? `Edit meter ${meter.serial}` : "Add meter";
  const next = meter ?? { serial: nextFreeSerial(), point: nextFreeSerial(), port: 2, protocol: 30, baud: 0 };
  for (const [key, value] of Object.entries(next)) {
    const input = form.elements.namedItem(key);
    if (input) input.value = String(value);
  }
  form.elements.namedItem("serial").readOnly = meter !== undefined;
  $("#meter-dialog").showModal();
}

function nextFreeSerial() {
  return Math.min(2040, state.meters.total + 1);
}

function meterFromForm(form) {
  const text = new Set(["address", "password", "collector"]);
  const out = {};
  for (const input of $$("input, select", form)) {
    if (!input.name) continue;
    out[input.name] = text.has(input.name) ? input.value.trim() : Number(input.value);
  }
  return out;
}

function saveMeter(event) {
  event.preventDefault();
  const form = $("#meter-form");
  const meter = meterFromForm(form);
  void guarded(
    async () => {
      if (editingSerial === undefined) await api("POST", "/api/meters", { json: meter });
      else await api("PUT", `/api/meters/${editingSerial}`, { json: meter });
      $("#meter-dialog").close();
      notice(`Meter ${meter.serial} saved.`);
      await loadMeters();
    },
    form,
    $("#meter-form-error"),
  );
}

function deleteMeter(meter) {
  if (!confirm(`Delete meter ${meter.serial} (address ${meter.address})?`)) return;
  void guarded(async () => {
    await api("DELETE", `/api/meters/${meter.serial}`);
    notice(`Meter ${meter.serial} deleted.`);
    await loadMeters();
  });
}

function importMeters(event) {
  const file = event.target.files?.[0];
  event.target.value = "";
  if (!file) return;
  void guarded(async () => {
    const result = await api("POST", "/api/meters/import", {
      body: await file.text(),
      contentType: "text/csv",
    });
    notice(`Imported ${result.imported} meters; the archive holds ${result.total}.`);
    await loadMeters();
  });
}

// ---------------------------------------------------------------------------------------------- reading
function barChart(title, rows) {
  const width = 420;
  const height = 170;
  const left = 34;
  const bottom = 24;
  const plotW = width - left - 8;
  const plotH = height - bottom - 10;
  const step = plotW / Math.max(1, rows.length);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title });
  for (const pct of [0, 50, 100]) {
    const y = 10 + plotH - (pct / 100) * plotH;
    chart.append(svg("line", { class: "grid-line", x1: left, x2: width - 8, y1: y, y2: y }));
    chart.append(svg("text", { x: left - 4, y: y + 3, "text-anchor": "end" }, `${pct}%`));
  }
  rows.forEach((r, i) => {
    const ratio = r.due === 0 ? 0 : r.read / r.due;
    const h = ratio * plotH;
    const x = left + i * step + step * 0.15;
    const klass = ratio >= 0.98 ? "bar" : ratio >= 0.8 ? "bar low" : "bar bad";
    chart.append(
      svg(
        "rect",
        { class: klass, x, y: 10 + plotH - h, width: step * 0.7, height: Math.max(h, 0.5) },
        svg("title", {}, `${dayText(r.day)}: ${r.read} of ${r.due} read`),
      ),
    );
    if (rows.length <= 14 || i % Math.ceil(rows.length / 14) === 0) {
      chart.append(
        svg("text", { x: x + step * 0.35, y: height - 8, "text-anchor": "middle" }, dayText(r.day)),
      );
    }
  });
  chart.append(svg("line", { class: "axis", x1: left, x2: width - 8, y1: 10 + plotH, y2: 10 + plotH }));
  return el("div", { class: "chart" }, el("h3", {}, title), chart);
}

function lineChart(title, points) {
  const width = 560;
  const height = 190;
  const left = 56;
  const bottom = 24;
  const plotW = width - left - 28;
  const plotH = height - bottom - 12;
  const values = points.map((p) => p.value);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const x = (i) => left + (points.length === 1 ? plotW / 2 : (i / (points.length - 1)) * plotW);
  const y = (v) => 12 + plotH - ((v - min) / span) * plotH;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title });
  for (const v of [min, (min + max) / 2, max]) {
    chart.append(svg("line", { class: "grid-line", x1: left, x2: left + plotW, y1: y(v), y2: y(v) }));
    chart.append(svg("text", { x: left - 4, y: y(v) + 3, "text-anchor": "end" }, Number(v.toFixed(2))));
  }
  chart.append(
    svg("polyline", { class: "line", points: points.map((p, i) => `${x(i)},${y(p.value)}`).join(" ") }),
  );
  points.forEach((p, i) => {
    chart.append(
      svg(
        "circle",
        { class: "dot", cx: x(i), cy: y(p.value), r: 3 },
        svg("title", {}, `${dayText(p.day)}: ${p.value}`),
      ),
    );
    if (points.length <= 14 || i % Math.ceil(points.length / 14) === 0) {
      chart.append(svg("text", { x: x(i), y: height - 8, "text-anchor": "middle" }, dayText(p.day)));
    }
  });
  return el("div", { class: "chart" }, el("h3", {}, title), chart);
}

/** The first number in a stored value (energy totals are usually `{ total: … }` or an array). */
function firstNumber(value) {
  if (typeof value === "number") return value;
  if (value && typeof value === "object") {
    if (typeof value.total === "number") return value.total;
    for (const v of Object.values(value)) {
      const n = firstNumber(v);
      if (n !== undefined) return n;
    }
  }
  return undefined;
}

async function loadReading() {
  const days = $("#reading-days").value;
  const daily = await api("GET", `/api/reading/daily?days=${days}`);
  $("#reading-source").textContent =
    daily.source === "engine" ? "from the reading engine" : "from the stored frozen data";
  const ports = [...new Set(daily.rows.map((r) => r.port))].sort((a, b) => a - b);
  $("#reading-charts").replaceChildren(
    ...(ports.length === 0
      ? [el("p", { class: "muted" }, "No meters to read.")]
      : ports.map((port) => {
          const rows = daily.rows.filter((r) => r.port === port);
          const last = rows.at(-1);
          return barChart(`Port ${port} — today ${last?.read ?? 0} of ${last?.due ?? 0} read`, rows);
        })),
  );
  await loadMissing();
}

async function loadMissing() {
  const q = state.missing;
  const page = await api("GET", `/api/reading/missing?offset=${q.offset}&limit=${q.limit}`);
  q.total = page.total;
  $("#missing-table tbody").replaceChildren(
    ...page.meters.map((m) =>
      el(
        "tr",
        { class: "clickable", onclick: () => void showMeterDetail(m.point) },
        el("td", { class: "num" }, m.serial),
        el("td", { class: "num" }, m.point),
        el("td", { class: "num" }, m.port),
        el("td", { class: "num" }, m.address),
        el("td", {}, terminalTime(m.lastSuccessAt)),
        el("td", { class: "num" }, m.consecutiveFailures),
      ),
    ),
  );
  if (page.meters.length === 0)
    $("#missing-table tbody").append(
      el("tr", {}, el("td", { colspan: 6, class: "muted" }, "Every meter has today's data.")),
    );
  $("#missing-range").textContent =
    `${page.total === 0 ? 0 : q.offset + 1}–${Math.min(q.offset + q.limit, page.total)} of ${page.total}`;
  $("#missing-prev").disabled = q.offset === 0;
  $("#missing-next").disabled = q.offset + q.limit >= page.total;
}

/** The reading page with one meter's detail open. */
async function openReading(point) {
  location.hash = "#/reading";
  await showMeterDetail(point);
}

let detailPoint;
async function showMeterDetail(point) {
  detailPoint = point;
  const d = await api("GET", `/api/reading/meters/${point}`);
  $("#meter-detail").hidden = false;
  $("#meter-detail-title").textContent = `Measurement point ${point}`;
  fillList($("#meter-detail-state"), [
    ["Last success", terminalTime(d.lastSuccessAt)],
    ["Last failure", terminalTime(d.lastFailureAt)],
    ["Failures in a row / total", `${d.consecutiveFailures} / ${d.totalFailures}`],
    ["Route", d.route === undefined ? "—" : JSON.stringify(d.route)],
  ]);
  const items = [...new Set(d.daily.map((r) => r.item))];
  const series = items
    .map((item) => ({
      item,
      points: d.daily
        .filter((r) => r.item === item)
        .map((r) => ({ day: r.day, value: firstNumber(r.value) }))
        .filter((p) => p.value !== undefined),
    }))
    .find((s) => s.points.length > 0);
  $("#meter-detail-chart").replaceChildren(
    series
      ? lineChart(`Daily frozen ${series.item}`, series.points)
      : el("p", { class: "muted" }, "No daily frozen data yet."),
  );
  $("#meter-detail-latest tbody").replaceChildren(
    ...d.latest.map((r) =>
      el(
        "tr",
        {},
        el("td", {}, r.item),
        el("td", {}, terminalTime(r.readAt)),
        el("td", {}, JSON.stringify(r.value)),
      ),
    ),
  );
  $("#meter-detail").scrollIntoView({ behavior: "smooth" });
}

// ------------------------------------------------------------------------------------------- parameters
async function loadParameters() {
  const list = await api("GET", "/api/parameters");
  const ul = $("#parameter-list");
  ul.replaceChildren(
    ...list.map((p) =>
      el(
        "li",
        {
          "data-fn": p.fn,
          class: state.parameter?.fn === p.fn ? "active" : undefined,
          onclick: () => void selectParameter(p),
        },
        el("strong", {}, `F${p.fn}`),
        el("span", {}, p.name),
        p.setPoints.length > 0 ? el("span", { class: "set" }, "set") : null,
      ),
    ),
  );
}

async function selectParameter(p) {
  state.parameter = p;
  for (const li of $$("#parameter-list li")) li.classList.toggle("active", Number(li.dataset.fn) === p.fn);
  const pnInput = $("#parameter-form").elements.namedItem("pn");
  pnInput.disabled = p.pnKind === "p0";
  pnInput.value = p.pnKind === "p0" ? "0" : String(p.setPoints[0] ?? 1);
  await loadParameterValue();
}

async function loadParameterValue() {
  const p = state.parameter;
  if (!p) return;
  const form = $("#parameter-form");
  clearError(form, $("#parameter-error"));
  const pn = form.elements.namedItem("pn").value;
  try {
    const v = await api("GET", `/api/parameters/${p.fn}/${pn}`);
    $("#parameter-title").textContent = `F${v.fn} ${v.name}`;
    $("#parameter-meta").textContent =
      `${v.pnKind === "p0" ? "terminal parameter" : `per ${v.pnKind}`} · ${v.set ? `set ${terminalTime(v.setAt)} · ${v.hex}` : "never set — a template is shown"}${v.confidence ? ` · layout confidence ${v.confidence}` : ""}`;
    form.elements.namedItem("value").value = JSON.stringify(v.value, null, 2);
  } catch (error) {
    showError(error, form, $("#parameter-error"));
  }
}

function saveParameter(event) {
  event.preventDefault();
  const p = state.parameter;
  const form = $("#parameter-form");
  if (!p) return;
  let value;
  try {
    value = JSON.parse(form.elements.namedItem("value").value);
  } catch {
    showError(
      new ApiError(400, { message: "value: not valid JSON", field: "value" }),
      form,
      $("#parameter-error"),
    );
    return;
  }
  const pn = form.elements.namedItem("pn").value;
  void guarded(
    async () => {
      await api("PUT", `/api/parameters/${p.fn}/${pn}`, { json: { value } });
      notice(`F${p.fn} saved.`);
      await loadParameters();
      await loadParameterValue();
    },
    form,
    $("#parameter-error"),
  );
}

// ----------------------------------------------------------------------------------------------- events
async function loadEvents() {
  const form = $("#event-filter");
  const params = new URLSearchParams({ ring: form.elements.namedItem("ring").value, limit: "200" });
  const erc = form.elements.namedItem("erc").value;
  if (erc) params.set("erc", erc);
  if (form.elements.namedItem("alarmsOnly").checked) params.set("alarmsOnly", "true");
  const result = await api("GET", `/api/events?${params}`);
  $("#alarm-count").textContent =
    `${result.unacknowledgedAlarms} unacknowledged alarm${result.unacknowledgedAlarms === 1 ? "" : "s"}`;
  $("#event-table tbody").replaceChildren(
    ...result.events.map((e) =>
      el(
        "tr",
        { class: e.unacknowledged ? "alarm" : undefined },
        el("td", {}, e.recordedText),
        el("td", { class: "num" }, `ERC${e.erc}`),
        el(
          "td",
          {},
          e.name,
          e.alarm
            ? el("span", { class: "small" }, e.unacknowledged ? " · alarm" : " · alarm (acknowledged)")
            : null,
        ),
        el("td", {}, e.ring),
        el("td", {}, el("span", { class: "small" }, JSON.stringify(e.data?.data ?? e.data))),
      ),
    ),
  );
  if (result.events.length === 0)
    $("#event-table tbody").append(el("tr", {}, el("td", { colspan: 5, class: "muted" }, "No events.")));
  const meterEvents = await api("GET", "/api/meter-events?limit=100");
  $("#meter-event-table tbody").replaceChildren(
    ...meterEvents.events.map((e) =>
      el(
        "tr",
        {},
        el("td", {}, terminalTime(e.recordedAt)),
        el("td", { class: "num" }, e.point),
        el("td", {}, e.kind),
        el("td", {}, el("span", { class: "small" }, JSON.stringify(e.data))),
      ),
    ),
  );
  if (meterEvents.events.length === 0)
    $("#meter-event-table tbody").append(
      el("tr", {}, el("td", { colspan: 4, class: "muted" }, "No meter events.")),
    );
}

function acknowledge() {
  void guarded(async () => {
    const r = await api("POST", "/api/events/acknowledge");
    notice(`${r.acknowledged} alarm${r.acknowledged === 1 ? "" : "s"} acknowledged.`);
    await loadEvents();
  });
}

// ------------------------------------------------------------------------------------------ maintenance
async function loadMaintenance() {
  if (!state.status) await loadStatus();
  if (state.session.authenticated) await loadLog();
  else $("#log").textContent = "Log in to read the log.";
}

async function loadLog() {
  const level = $("#log-level").value;
  const { lines } = await api("GET", `/api/maintenance/log?limit=300&level=${level}`);
  $("#log").textContent = lines
    .map((l) => {
      const fields = Object.entries(l.fields)
        .filter(([k]) => k !== "app")
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
      return `${new Date(l.time).toISOString()} ${l.level.toUpperCase().padEnd(5)} ${l.message} ${fields.join(" ")}`;
    })
    .join("\n");
}

function setClock(event) {
  event.preventDefault();
  const form = $("#clock-form");
  const text = form.elements.namedItem("time").value;
  if (!text) {
    showError(new ApiError(400, { message: "time: choose a time", field: "time" }), form);
    return;
  }
  // the input is terminal-local civil time
  const [date, clock] = text.split("T");
  const [y, mo, d] = date.split("-").map(Number);
  const [h, mi, s = 0] = clock.split(":").map(Number);
  const offset = state.status?.terminal.utcOffsetMinutes ?? 0;
  void sendClock(Date.UTC(y, mo - 1, d, h, mi, s) - offset * 60_000, form);
}

function sendClock(time, form) {
  return guarded(async () => {
    const r = await api("POST", "/api/maintenance/clock", { json: { time } });
    $("#clock").textContent = r.clockText;
    notice(`Terminal clock set to ${r.clockText}.`);
  }, form);
}

function initialise(event) {
  event.preventDefault();
  const form = $("#init-form");
  const fn = Number(form.elements.namedItem("fn").value);
  const confirmText = form.elements.namedItem("confirm").value.trim();
  void guarded(async () => {
    const r = await api("POST", "/api/maintenance/initialise", { json: { fn, confirm: confirmText } });
    form.reset();
    notice(`Initialised: ${r.done}.`);
  }, form);
}

function uploadUpgrade(event) {
  event.preventDefault();
  const form = $("#upgrade-form");
  const file = form.elements.namedItem("package").files?.[0];
  if (!file) {
    showError(new ApiError(400, { message: "package: choose a file", field: "package" }), form);
    return;
  }
  void guarded(async () => {
    const name = file.name.replace(/[^\w.-]/g, "_").slice(0, 128);
    const r = await api("POST", `/api/maintenance/upgrade?name=${encodeURIComponent(name)}`, {
      body: await file.arrayBuffer(),
      contentType: "application/octet-stream",
    });
    notice(`${r.accepted ? "Accepted" : "Refused"}: ${r.message}`, !r.accepted);
  }, form);
}

function changePassword(event) {
  event.preventDefault();
  const form = $("#password-form");
  const current = form.elements.namedItem("current").value;
  const password = form.elements.namedItem("password").value;
  void guarded(async () => {
    setSession(await api("PUT", "/api/session/password", { json: { current, password } }));
    form.reset();
    notice("Password changed; other sessions have ended.");
  }, form);
}

// ---------------------------------------------------------------------------------------------- routing
const LOADERS = {
  status: loadStatus,
  meters: loadMeters,
  reading: loadReading,
  parameters: loadParameters,
  events: loadEvents,
  maintenance: loadMaintenance,
};

function currentView() {
  const name = location.hash.replace(/^#\//, "");
  return name in LOADERS ? name : "status";
}

function refreshView() {
  const view = currentView();
  for (const section of $$(".view")) section.hidden = section.id !== `view-${view}`;
  for (const a of $$(".tabs a")) a.classList.toggle("active", a.dataset.view === view);
  LOADERS[view]().catch((error) => showError(error));
}

function wire() {
  $("#session-button").addEventListener("click", () => {
    if (state.session.authenticated) {
      api("DELETE", "/api/session")
        .then((s) => {
          setSession(s);
          notice("Logged out.");
        })
        .catch((error) => showError(error));
    } else {
      ensureLogin().catch(() => {});
    }
  });
  $("#login-form").addEventListener("submit", submitLogin);
  $("#login-cancel").addEventListener("click", () => {
    $("#login-dialog").close();
    settleLogin(false);
  });
  $("#login-dialog").addEventListener("cancel", () => settleLogin(false));

  $("#meter-search").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    state.meters.search = form.elements.namedItem("search").value.trim();
    state.meters.port = form.elements.namedItem("port").value;
    state.meters.offset = 0;
    loadMeters().catch((error) => showError(error, form));
  });
  $("#meter-prev").addEventListener("click", () => {
    state.meters.offset = Math.max(0, state.meters.offset - state.meters.limit);
    void loadMeters();
  });
  $("#meter-next").addEventListener("click", () => {
    state.meters.offset += state.meters.limit;
    void loadMeters();
  });
  $("#meter-add").addEventListener("click", () => {
    ensureLogin()
      .then(() => openMeterForm(undefined))
      .catch(() => {});
  });
  $("#meter-form").addEventListener("submit", saveMeter);
  $("#meter-cancel").addEventListener("click", () => $("#meter-dialog").close());
  $("#meter-import").addEventListener("change", importMeters);

  $("#reading-days").addEventListener("change", () => void loadReading());
  $("#meter-detail-refresh").addEventListener("click", () => {
    if (detailPoint !== undefined) showMeterDetail(detailPoint).catch((error) => showError(error));
  });
  $("#missing-prev").addEventListener("click", () => {
    state.missing.offset = Math.max(0, state.missing.offset - state.missing.limit);
    void loadMissing();
  });
  $("#missing-next").addEventListener("click", () => {
    state.missing.offset += state.missing.limit;
    void loadMissing();
  });

  $("#parameter-form").addEventListener("submit", saveParameter);
  $("#parameter-load").addEventListener("click", () => void loadParameterValue());
  $("#parameter-form")
    .elements.namedItem("pn")
    .addEventListener("change", () => void loadParameterValue());

  $("#event-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    loadEvents().catch((error) => showError(error, event.target));
  });
  $("#event-ack").addEventListener("click", acknowledge);

  $("#clock-form").addEventListener("submit", setClock);
  $("#clock-now").addEventListener("click", () => void sendClock(Date.now(), $("#clock-form")));
  $("#init-form").addEventListener("submit", initialise);
  $("#upgrade-form").addEventListener("submit", uploadUpgrade);
  $("#password-form").addEventListener("submit", changePassword);
  $("#backup-link").addEventListener("click", (event) => {
    if (state.session.authenticated) return;
    event.preventDefault();
    ensureLogin()
      .then(() => {
        location.href = "/api/maintenance/backup";
      })
      .catch(() => {});
  });
  $("#log-refresh").addEventListener("click", () => void guarded(loadLog));
  $("#log-level").addEventListener("change", () => {
    if (state.session.authenticated) void loadLog();
  });
  window.addEventListener("hashchange", refreshView);
}

async function start() {
  wire();
  await refreshSession();
  connectLive();
  refreshView();
  if (!state.session.passwordSet) openLogin();
  // the status page keeps itself fresh; other pages refresh on demand
  setInterval(() => {
    if (currentView() === "status") loadStatus().catch(() => {});
  }, 10_000);
}

start().catch((error) => notice(String(error), true));
