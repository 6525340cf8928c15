// The site's pages in headless Chromium (driven by playwright-core, no browser download):
// axe-core's violations, what the DOM says of the layout at each width, the index's filters,
// the print view, and a screenshot of each. Run by tests/e2e/test_site_a11y.py:
//
//   node pages.mjs SPEC.json      (prints one JSON object on stdout)
//
// SPEC: {chromium, artifacts, widths: [1280, 390], pages: [{kind, url}],
//        filters: {url, clicks: [[radio id, ...], ...]} | null}
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));

// What the layout looks like through the DOM, measured in the page.
function layout() {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      const x = getComputedStyle(e).overflowX;
      if (x === "auto" || x === "scroll") return true;
    }
    return false;
  };
  // Hidden for the eye only, read out by screen readers: a 1px box that hides its overflow.
  const unseen = (el) => {
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const r = e.getBoundingClientRect();
      if ((r.width <= 1 || r.height <= 1) && getComputedStyle(e).overflow !== "visible") return true;
    }
    return false;
  };
  const describe = (el) =>
    `${el.tagName.toLowerCase()}${el.className ? "." + String(el.className).split(" ").join(".") : ""}: ` +
    (el.textContent || "").trim().slice(0, 60);
  // Text that lies past the right edge of the page (and not in a scrolling box), or that a
  // box with overflow hidden cuts off.
  const hidden = [];
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden" || unseen(el)) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (own) {
      for (const rect of el.getClientRects()) {
        if (rect.width > 0 && (rect.right > width + 1 || rect.left < -1) && !scrolls(el)) {
          hidden.push("past the edge: " + describe(el));
          break;
        }
      }
    }
    const x = style.overflowX;
    if ((x === "hidden" || x === "clip") && el.scrollWidth > el.clientWidth + 1 && el.textContent.trim()) {
      hidden.push("cut off: " + describe(el));
    }
  }
  const vectors = [...document.querySelectorAll("code.vector")].map((code) => ({
    text: code.textContent,
    // each metric (AV:N, ...) on one line box: never broken inside
    broken: [...code.querySelectorAll(".metric")]
      .filter((m) => m.getClientRects().length !== 1)
      .map((m) => m.textContent),
    right: Math.max(...[...code.getClientRects()].map((r) => r.right)),
  }));
  const pres = [...document.querySelectorAll("pre")].map((pre) => {
    const x = getComputedStyle(pre).overflowX;
    return {
      fits: pre.scrollWidth <= pre.clientWidth + 1,
      scrolls: x === "auto" || x === "scroll",
      right: pre.getBoundingClientRect().right,
    };
  });
  return {
    width,
    overflow: document.documentElement.scrollWidth - width,
    bodyOverflow: document.body.scrollWidth - width,
    hidden,
    vectors,
    pres,
    scripts: document.scripts.length,
  };
}

async function axe(page) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ["violations"] }),
  );
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ")),
  }));
}

async function visibleRows(page) {
  return page.$$eval(".updates tbody tr", (rows) =>
    rows.filter((r) => getComputedStyle(r).display !== "none").map((r) => r.id),
  );
}

// The index with choices of its filters clicked (by their labels), from a fresh page for
// each list of choices: the rows still shown.
async function filters(browser, { url, clicks }, width) {
  const shown = [];
  for (const ids of clicks) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    await page.goto(url);
    for (const id of ids) await page.click(`label[for="${id}"]`);
    const checked = await page.$$eval(".filters input:checked", (inputs) => inputs.map((i) => i.id));
    shown.push({ ids, checked, rows: await visibleRows(page) });
    await page.close();
  }
  return shown;
}

const browser = await chromium.launch({
  executablePath: spec.chromium,
  headless: true,
  chromiumSandbox: false,
  args: [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const out = { screens: [], print: [], filters: {} };
try {
  for (const { kind, url } of spec.pages) {
    for (const width of spec.widths) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      const response = await page.goto(url);
      const shot = path.join(spec.artifacts, `site-${kind}-${width}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      out.screens.push({
        kind,
        width,
        status: response.status(),
        screenshot: shot,
        layout: await page.evaluate(layout),
        violations: await axe(page),
      });
      await page.close();
    }
    // Printed on A4: the print stylesheet, a PDF and a picture of it.
    const page = await browser.newPage({ viewport: { width: 680, height: 1000 } }); // A4 less the margins
    await page.goto(url);
    await page.emulateMedia({ media: "print" });
    const shot = path.join(spec.artifacts, `site-${kind}-print.png`);
    await page.screenshot({ path: shot, fullPage: true });
    const pdf = path.join(spec.artifacts, `site-${kind}.pdf`);
    await page.pdf({ path: pdf, format: "A4", printBackground: false });
    out.print.push({
      kind,
      screenshot: shot,
      pdf,
      layout: await page.evaluate(layout),
      shown: await page.$$eval(".feeds, .filters, .crumbs", (els) =>
        els.filter((e) => getComputedStyle(e).display !== "none").map((e) => e.className),
      ),
    });
    await page.close();
  }
  if (spec.filters) {
    for (const width of spec.widths) {
      out.filters[width] = await filters(browser, spec.filters, width);
    }
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
