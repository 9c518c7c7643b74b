// Browser tests of nerkit's HTML pages (run by scripts/browser-test.sh).
// Starts Chromium itself with the flags of issue 16 and an empty profile,
// connects playwright-core over the DevTools protocol, and checks: no
// console errors, the report's table values equal the JSON report's, a
// filter click changes the error browser's rows, injected markup stays
// text, and screenshots are saved.
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { chromium } = require("playwright-core");

const [chromiumPath, out] = process.argv.slice(2);
const url = (f) => "file://" + path.resolve(out, f);
let failures = 0;
function check(ok, what) {
  console.log((ok ? "ok   " : "FAIL ") + what);
  if (!ok) failures++;
}

function startChromium() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "nerkit-chromium-"));
  const proc = spawn(chromiumPath, [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let err = "";
    const timer = setTimeout(() => reject(new Error("chromium did not start:\n" + err)), 30000);
    proc.stderr.on("data", (d) => {
      err += d;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) { clearTimeout(timer); resolve({ proc, ws: m[1], profile }); }
    });
    proc.on("exit", (code) => reject(new Error("chromium exited " + code + ":\n" + err)));
  });
}

async function open(context, file) {
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("dialog", (d) => { errors.push("dialog: " + d.message()); d.dismiss(); });
  page.on("request", (r) => { if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) errors.push("request: " + r.url()); });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(url(file));
  await page.waitForLoadState("load");
  return { page, errors };
}

const pct = (x) => (100 * x).toFixed(2);

async function reportPage(context) {
  const { page, errors } = await open(context, "report.html");
  const json = JSON.parse(fs.readFileSync(path.join(out, "report.json"), "utf8"));
  const systems = json.systems;
  check(systems.length === 2, "the JSON report has two systems");
  for (let k = 0; k < systems.length; k++) {
    const r = systems[k].report;
    const sec = page.locator("#system-" + k);
    const card = async (f) => (await sec.locator(`.cards b[data-field="${f}"]`).textContent()).trim();
    check(await card("precision") === pct(r.micro.precision) && await card("recall") === pct(r.micro.recall) &&
      await card("f1") === pct(r.micro.f1) && await card("macro-f1") === pct(r.macro.f1),
      `system ${k}: headline scores equal the JSON report's (F1 ${pct(r.micro.f1)})`);
    let same = true, n = 0;
    for (const [type, s] of Object.entries(r.types)) {
      const row = sec.locator(`table.types tr[data-type="${type}"]`);
      const cell = async (f) => (await row.locator(`td[data-field="${f}"]`).textContent()).trim();
      const want = { gold: String(s.gold), pred: String(s.pred), correct: String(s.correct),
        precision: pct(s.precision), recall: pct(s.recall), f1: pct(s.f1) };
      for (const [f, v] of Object.entries(want)) {
        const got = await cell(f);
        if (got !== v) { same = false; console.log(`  ${type} ${f}: page ${got}, JSON ${v}`); }
        n++;
      }
    }
    check(same && n > 0, `system ${k}: ${n} per-type table values equal the JSON report's`);
    const cmp = page.locator(`#compare-table tbody tr:nth-child(${k + 1}) td[data-field="f1"]`);
    check((await cmp.textContent()).trim() === pct(r.micro.f1), `system ${k}: comparison table F1 equals the JSON report's`);
    const b = systems[k].bootstrap.f1;
    const ci = page.locator(`#compare-table tbody tr:nth-child(${k + 1}) td[data-field="f1-ci"]`);
    const wantCi = `[${pct(b.low)}, ${pct(b.high)}]`;
    check((await ci.textContent()).trim() === wantCi, `system ${k}: comparison table F1 95% CI equals the JSON report's ${wantCi}`);
  }
  // One paired test between the two systems: the reference (higher F1)
  // says so, the other shows the JSON report's p-value.
  const t = json.tests[0];
  const pcells = await page.locator('#compare-table tbody td[data-field="p-value"]').allTextContents();
  const p = `p = ${t.p_value.toFixed(4)}${t.significant ? " *" : ""}`;
  check(json.tests.length === 1 && pcells.map((c) => c.trim()).sort().join("|") === [p, "reference"].sort().join("|"),
    `comparison table significance: ${pcells.map((c) => c.trim()).join(", ")} (JSON: ${p})`);
  const rows = page.locator("#eb-rows tr");
  const before = await rows.count();
  const kept = systems[0].errors.kept;
  check(before === Math.min(100, kept), `error browser shows ${before} rows at first (${kept} kept)`);
  await page.screenshot({ path: path.join(out, "report.png") });
  const classesOf = () => rows.evaluateAll((trs) => trs.map((t) => t.getAttribute("data-class")));
  const countText = () => page.locator("#eb-count").textContent();
  const firstClasses = await classesOf(), firstCount = await countText();
  await page.locator('#eb-classes button[data-class="missed"]').click();
  const missed = await classesOf(), missedCount = await countText();
  check(!firstClasses.every((c) => c === "missed") && missed.length > 0 && missed.every((c) => c === "missed") &&
    missedCount !== firstCount, `clicking "missed" changes the rows: only missed ones (${missedCount})`);
  await page.selectOption("#eb-type", "person");
  const types = await rows.evaluateAll((trs) => trs.map((t) => t.children[1].textContent));
  const personCount = await countText();
  check(types.length > 0 && types.every((t) => t.split("/").includes("person")) && personCount !== missedCount,
    `choosing type person narrows them (${personCount})`);
  await page.selectOption("#eb-system", "1");
  check(await page.locator("#eb-rows tr").count() === Math.min(100, systems[1].errors.kept), "choosing the second system shows its errors");
  await page.locator("#errors").screenshot({ path: path.join(out, "errors.png") });
  check(errors.length === 0, "report: no console errors, dialogs or network requests " + JSON.stringify(errors));
  await page.close();
}

async function injectPages(context) {
  for (const file of ["inject.html", "inject-show.html"]) {
    const { page, errors } = await open(context, file);
    const text = await page.evaluate(() => document.body.innerText);
    const imgs = await page.evaluate(() => document.querySelectorAll("img").length);
    const bolds = await page.evaluate(() => [...document.querySelectorAll("b")].filter((b) => b.textContent === "bold").length);
    // The page's data block (type application/json, never run) holds the
    // strings JSON-escaped; no script that runs may hold them.
    const scripts = await page.evaluate(() => [...document.scripts].filter((s) => s.type !== "application/json" && s.textContent.includes("alert")).length);
    check(imgs === 0 && bolds === 0 && scripts === 0, `${file}: injected markup made no element`);
    check(text.includes("<script>alert(1)</script>") && text.includes('"><img src=x onerror=alert(1)>'),
      `${file}: injected tokens show as text`);
    check(errors.length === 0, `${file}: no console errors, dialogs or requests ` + JSON.stringify(errors));
    await page.screenshot({ path: path.join(out, file.replace(".html", ".png")), fullPage: true });
    await page.close();
  }
}

async function showPages(context) {
  {
    const { page, errors } = await open(context, "show.html");
    const marks = await page.locator("main mark.e").count();
    check(marks > 10, `show: the cable has ${marks} highlighted entities`);
    check(errors.length === 0, "show: no console errors " + JSON.stringify(errors));
    await page.screenshot({ path: path.join(out, "show.png") });
    await page.close();
  }
  {
    const { page, errors } = await open(context, "show-diff.html");
    const diffs = await page.locator("div.d").count();
    const bad = await page.locator("div.d mark.bad").count();
    check(diffs > 0 && bad > 0, `show diff: ${diffs} sentences differ, ${bad} entities outlined`);
    check(errors.length === 0, "show diff: no console errors " + JSON.stringify(errors));
    await page.screenshot({ path: path.join(out, "show-diff.png") });
    await page.close();
  }
}

(async () => {
  const { proc, ws, profile } = await startChromium();
  let browser;
  try {
    browser = await chromium.connectOverCDP(ws);
    const context = browser.contexts()[0] || (await browser.newContext());
    await reportPage(context);
    await injectPages(context);
    await showPages(context);
  } catch (e) {
    console.log("FAIL " + (e.stack || e));
    failures++;
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill();
      await exited;
    }
    // Chromium's helper processes may still write to the profile for a
    // moment after the browser exits (an rmdir failed once with
    // ENOTEMPTY): retry, and never fail the checks for the clean-up.
    try {
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch (e) {
      console.log(`note: could not remove the Chromium profile ${profile}: ${e.code || e}`);
    }
  }
  if (failures) { console.log(failures + " browser checks failed"); process.exit(1); }
})();
