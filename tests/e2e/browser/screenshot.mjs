// Opens Home Assistant pages in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; no browser of Playwright's own), saves a screenshot of each and prints what the
// page shows, for tests/e2e/test_browser.py.
//
//   HASS_URL=http://127.0.0.1:8123 HASS_ACCESS_TOKEN=... HASS_REFRESH_TOKEN=... \
//     node screenshot.mjs '[{"path": "/config/devices/device/<id>", "screenshot": "out.png",
//                           "waitFor": ["Battery Pack 1"]}, ...]'
//
// A page may also list texts to `click` once each shows, in order, before waiting for `waitFor`
// (the options of a config flow's menu, for example); then `fill` (label -> text: the fields of
// the form now shown, found by their labels) and `submit` (the text of the button clicked after).
//
// Logging in: the frontend keeps its tokens in localStorage under "hassTokens" (the object
// home-assistant-js-websocket's getAuth saves and loads back); the browser context starts with
// the test's tokens there, so the frontend opens already logged in, as after "Keep me logged in".
//
// Each page is ready when its text (collected through every shadow root) holds all of `waitFor`
// and has not changed for a moment (or after PAGE_TIMEOUT_MS, not ready, with what is missing).
// Prints {"pages": [{path, screenshot, ready, missing, seconds, url, text}], "errors": [...]} as
// JSON on stdout; `text` is the rendered text, one text node a line.

import { chromium } from "playwright-core";

const EXECUTABLE = process.env.CHROMIUM ?? "/usr/bin/chromium";
const VIEWPORT = { width: 1280, height: 900 };
const PAGE_TIMEOUT_MS = Number(process.env.PAGE_TIMEOUT_MS ?? 45000);
const SETTLE_MS = 1000;

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`screenshot.mjs: set ${name}`);
    process.exit(2);
  }
  return value;
}

// The text a person sees: text nodes under rendered elements, light DOM and shadow roots alike
// (unslotted light children and display:none subtrees do not render, so they are left out).
function deepText() {
  const lines = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const text = node.textContent.replace(/\s+/g, " ").trim();
      const parent = node.parentElement;
      if (!text || !parent || getComputedStyle(parent).visibility !== "visible") return;
      // Laid out at all: the text's own boxes (its parent may be a slot or another
      // display:contents element, which has no box of its own).
      const range = document.createRange();
      range.selectNodeContents(node);
      if (range.getClientRects().length) lines.push(text);
      return;
    }
    if (node.nodeType === Node.ELEMENT_NODE) {
      if (["SCRIPT", "STYLE", "TEMPLATE"].includes(node.tagName)) return;
      if (node.shadowRoot) walk(node.shadowRoot);
      if (node.tagName === "SLOT") {
        // Slotted nodes are walked where they live (the host's light DOM); only a slot's
        // fallback content renders here, and only when nothing is assigned to it.
        if (node.assignedNodes().length) return;
      }
    }
    for (const child of node.childNodes) walk(child);
  };
  walk(document.documentElement);
  return lines.join("\n");
}

async function settle(page, waitFor) {
  const start = Date.now();
  let last = null;
  let since = Date.now();
  for (;;) {
    const text = await page.evaluate(deepText);
    if (text !== last) {
      last = text;
      since = Date.now();
    }
    const missing = waitFor.filter((wanted) => !text.includes(wanted));
    if (!missing.length && Date.now() - since >= SETTLE_MS) return { ready: true, missing, text };
    if (Date.now() - start > PAGE_TIMEOUT_MS) return { ready: false, missing, text };
    await page.waitForTimeout(200);
  }
}

async function main() {
  const hassUrl = required("HASS_URL").replace(/\/$/, "");
  const pages = JSON.parse(process.argv[2] ?? "[]");
  const expiresIn = 1800;
  const tokens = {
    hassUrl,
    clientId: process.env.HASS_CLIENT_ID || `${hassUrl}/`,
    access_token: required("HASS_ACCESS_TOKEN"),
    refresh_token: required("HASS_REFRESH_TOKEN"),
    expires_in: expiresIn,
    expires: Date.now() + expiresIn * 1000,
    token_type: "Bearer",
  };

  const browser = await chromium.launch({ executablePath: EXECUTABLE, headless: true });
  try {
    const context = await browser.newContext({
      viewport: VIEWPORT,
      locale: "en-US",
      timezoneId: "Europe/Berlin",
      colorScheme: "light",
      storageState: {
        cookies: [],
        origins: [
          { origin: hassUrl, localStorage: [{ name: "hassTokens", value: JSON.stringify(tokens) }] },
        ],
      },
    });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    const results = [];
    for (const { path, screenshot, waitFor = [], click = [], fill = {}, submit } of pages) {
      const start = Date.now();
      await page.goto(`${hassUrl}${path}`, { waitUntil: "load" });
      // What a person clicks first, in order (a menu option, a button), each once it shows.
      for (const label of click) {
        const found = await settle(page, [label]);
        if (!found.ready) break;
        await page.getByText(label, { exact: true }).first().click();
      }
      for (const [label, value] of Object.entries(fill)) {
        await settle(page, [label]);
        await page.getByLabel(label, { exact: true }).first().fill(String(value));
      }
      if (submit) await page.getByRole("button", { name: submit }).first().click();
      const { ready, missing, text } = await settle(page, waitFor);
      if (screenshot) await page.screenshot({ path: screenshot });
      const seconds = (Date.now() - start) / 1000;
      results.push({ path, screenshot, ready, missing, seconds, url: page.url(), text });
    }
    process.stdout.write(`${JSON.stringify({ pages: results, errors })}\n`);
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
