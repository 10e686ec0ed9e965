/**
 * The browser interface in real headless Chromium against a real daemon: first-run password, the online
 * indicator following a master connecting and leaving, adding a meter, editing a parameter, an alarm event
 * lighting the alarm indicator until acknowledged, the reading charts; a screenshot of each main page is
 * written to test-artifacts/.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fieldFromFlags } from "../src/daemon/field-flags.ts";
import { connectToDcu } from "../src/sim/master/master-station.ts";
import { addDays, dayKey } from "../src/store/calendar.ts";
import { erc21, TERMINAL_FAULT } from "../src/terminal/erc-records.ts";
import { type Browser, launchChromium } from "./support/chromium.ts";
import { daytimeOffsetMinutes } from "./support/daytime-offset.ts";
import { startWebDaemon, type WebDaemonFixture } from "./support/web-daemon.ts";

const PASSWORD = "browser-test-password";
const WAIT = { timeout: 15_000 };

describe("web interface in Chromium", { timeout: 300_000 }, () => {
  let fx: WebDaemonFixture;
  let browser: Browser;

  before(async () => {
    // two virtual meters on RS-485 port 2 (000000000001, 000000000002): the reading engine runs over them
    fx = await startWebDaemon({
      area: "4403",
      address: 9,
      modem: { simulate: true },
      field: fieldFromFlags({ simulateMeters: 2 }),
      // Near noon terminal time: the added meter is read at once, not after the midnight freezes.
      utcOffsetMinutes: daytimeOffsetMinutes(),
    });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await fx?.close();
  });

  it("first run: sets the password, then shows the status page", async () => {
    const { page } = browser;
    await page.goto(`${fx.base}/`);
    await page.waitForSelector("#login-dialog[open]", WAIT);
    assert.match((await page.textContent("#login-title")) ?? "", /Set the maintenance password/);
    await page.fill("#login-form input[name=password]", PASSWORD);
    await page.click("#login-submit");
    await page.waitForSelector("body.logged-in", WAIT);
    await page.locator("#status-terminal", { hasText: "4403 / 9" }).waitFor(WAIT);
    assert.equal(await page.textContent("#session-button"), "Log out");
    assert.equal(await page.getAttribute("#led-power", "data-state"), "on");
    assert.ok(fx.daemon.core.store.kv.getString("web.passwordHash")?.startsWith("scrypt$"));
    // the simulated cellular module, read over its AT port at start
    await page.locator("#status-modules", { hasText: "SIM-LTE1" }).waitFor(WAIT);
    assert.match((await page.textContent("#status-modules")) ?? "", /89860012345678901234/);
    await browser.screenshot("status");
  });

  it("the online indicator goes on and off as the simulated master connects and leaves", async () => {
    const { page } = browser;
    await page.waitForSelector("#led-online[data-state=off]", WAIT);
    const at = fx.daemon.listening;
    assert.ok(at);
    const master = await connectToDcu(at.host, at.port, { area: "4403", terminal: 9, timeoutMs: 3000 });
    try {
      await page.waitForSelector("#led-online[data-state=on]", WAIT);
      await page.locator("#status-uplink", { hasText: "online" }).waitFor(WAIT);
    } finally {
      await master.close();
    }
    await page.waitForSelector("#led-online[data-state=off]", WAIT);
  });

  it("adds a meter through the form", async () => {
    const { page } = browser;
    await page.click("a[data-view=meters]");
    await page.waitForSelector("#view-meters:not([hidden])", WAIT);
    await page.click("#meter-add");
    await page.waitForSelector("#meter-dialog[open]", WAIT);
    await page.fill("#meter-form input[name=serial]", "17");
    await page.fill("#meter-form input[name=point]", "17");
    await page.fill("#meter-form input[name=port]", "2");
    await page.selectOption("#meter-form select[name=protocol]", "30");
    await page.fill("#meter-form input[name=address]", "000000000001");
    await page.selectOption("#meter-form select[name=baud]", "2400");
    await page.click("#meter-save");
    await page.waitForSelector("#meter-table tr[data-serial='17']", WAIT);
    assert.match((await page.textContent("#meter-table tr[data-serial='17']")) ?? "", /000000000001/);
    const stored = fx.daemon.core.store.meters.get(17);
    assert.equal(stored?.address, "000000000001");
    assert.equal(stored?.baudCode, 3);

    // a duplicate address on the same port is refused and the field is marked
    await page.click("#meter-add");
    await page.waitForSelector("#meter-dialog[open]", WAIT);
    await page.fill("#meter-form input[name=serial]", "18");
    await page.fill("#meter-form input[name=point]", "18");
    await page.fill("#meter-form input[name=port]", "2");
    await page.fill("#meter-form input[name=address]", "000000000001");
    await page.click("#meter-save");
    await page.waitForSelector("#meter-form input[name=address].invalid", WAIT);
    assert.match((await page.textContent("#meter-form-error")) ?? "", /already serial 17/);
    await page.click("#meter-cancel");
    assert.equal(fx.daemon.core.store.meters.get(18), undefined);
    await browser.screenshot("meters");
  });

  it("edits a parameter", async () => {
    const { page } = browser;
    await page.click("a[data-view=parameters]");
    await page.click("#parameter-list li[data-fn='1']");
    await page.locator("#parameter-title", { hasText: /^F1 / }).waitFor(WAIT);
    const text = await page.inputValue("#parameter-form textarea[name=value]");
    const value = JSON.parse(text) as Record<string, unknown>;
    value.heartbeatMinutes = 9;
    await page.fill("#parameter-form textarea[name=value]", JSON.stringify(value, null, 2));
    await page.click("#parameter-save");
    await page.locator("#parameter-meta", { hasText: / · set \d{4}-\d\d-\d\d / }).waitFor(WAIT);
    assert.equal(
      (fx.daemon.core.parameters.getDecoded(1, 0) as { heartbeatMinutes: number }).heartbeatMinutes,
      9,
    );
    assert.ok(await page.isVisible("#parameter-list li[data-fn='1'] .set"));

    // a wrong value is refused with the field named
    value.heartbeatMinutes = "often";
    await page.fill("#parameter-form textarea[name=value]", JSON.stringify(value));
    await page.click("#parameter-save");
    await page.locator("#parameter-error", { hasText: "heartbeatMinutes" }).waitFor(WAIT);
    await page.click("#parameter-load");
    await browser.screenshot("parameters");
  });

  it("sees events; an alarm lights the indicator until acknowledged", async () => {
    const { page } = browser;
    await page.click("a[data-view=events]");
    await page.locator("#event-table", { hasText: "parameter change" }).waitFor(WAIT);
    assert.equal(await page.getAttribute("#led-alarm", "data-state"), "off");

    const core = fx.daemon.core;
    core.events.record(erc21(core.clock.now(), core.utcOffsetMinutes, TERMINAL_FAULT.plcChannel));
    await page.waitForSelector("#led-alarm[data-state=on]", WAIT);
    await page.click("#event-filter button[type=submit]");
    await page.locator("#event-table tr.alarm", { hasText: "terminal fault" }).waitFor(WAIT);
    await browser.screenshot("events");
    await page.click("#event-ack");
    await page.waitForSelector("#led-alarm[data-state=off]", WAIT);
    await page.locator("#event-table tr.alarm").waitFor({ state: "detached", ...WAIT });
  });

  it("sees the added meter read; reading status draws a chart per port and the meter's history", async () => {
    const { page } = browser;
    const core = fx.daemon.core;
    const today = dayKey(core.clock.now(), core.utcOffsetMinutes);
    const at = core.clock.now();
    core.store.daily.putMany(
      [6, 5, 4, 3, 2, 1].map((back, i) => ({
        point: 17,
        item: "AFN0D_F161",
        period: addDays(today, -back),
        readAt: at,
        value: { total: 100 + i * 3.5 },
      })),
    );
    // from the meter's row to its reading detail: the engine reads the added meter at once
    await page.click("a[data-view=meters]");
    await page.click("#meter-table tr[data-serial='17'] button.reading");
    await page.waitForSelector("#meter-detail:not([hidden])", WAIT);
    // the engine plans once a minute (on the minute), then reads over the paced 2400-baud line
    const deadline = Date.now() + 150_000;
    let lastSuccess = "never";
    while (Date.now() < deadline) {
      lastSuccess = (await page.textContent("#meter-detail-state dd")) ?? "never";
      if (lastSuccess !== "never") break;
      await new Promise((resolve) => setTimeout(resolve, 500));
      await page.click("#meter-detail-refresh");
    }
    assert.match(lastSuccess, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, "the meter was read");
    assert.ok((fx.daemon.core.store.readingState.get(17)?.lastSuccessAt ?? 0) > 0);
    await page.waitForSelector("#reading-charts svg rect.bar", WAIT);
    assert.match((await page.textContent("#reading-charts")) ?? "", /Port 2 — today \d of 1 read/);
    await page.waitForSelector("#meter-detail-chart svg polyline", WAIT);
    await browser.screenshot("reading");
  });

  it("maintenance page shows the log", async () => {
    const { page } = browser;
    await page.click("a[data-view=maintenance]");
    await page.locator("#log", { hasText: "web password set (first run)" }).waitFor(WAIT);
    assert.match((await page.textContent("#log")) ?? "", /INFO {2}web interface listening/);
    await browser.screenshot("maintenance");
  });
});
