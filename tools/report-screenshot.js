#!/usr/bin/env node
/**
 * `node tools/report-screenshot.js`: makes docs/report.png, the README's picture of a run report.
 * Runs the demo (the example feature, replay agent, kept scratch workspace), opens its
 * .speckit/reports/latest.html in the packaged headless Chromium the tests use, selects a
 * task in the middle of the graph (as a reader following the graph would) and saves the whole page.
 */
require('@swc-node/register');
const fs = require('node:fs');
const path = require('node:path');
const { runDemo } = require('./demo');
const { launchChromium, openFile } = require('../packages/nx-speckit/testing/browser.ts');

const OUT = path.join(__dirname, '..', 'docs', 'report.png');

async function main() {
  const demo = await runDemo({ keep: true, parallel: 3, write: () => {} });
  if (!demo.ok) throw new Error(`the demo run failed: ${demo.problems.join('; ')}`);
  const browser = await launchChromium();
  try {
    const { page } = await openFile(browser, path.join(demo.dir, '.speckit/reports/latest.html'), {
      width: 1400,
      height: 800,
    });
    const nodes = await page.$$('g.node');
    await nodes[Math.floor(nodes.length / 2)].click();
    await page.evaluate(() => window.scrollTo(0, 0));
    fs.writeFileSync(OUT, await page.screenshot({ type: 'png', fullPage: true }));
  } finally {
    await browser.close();
    fs.rmSync(demo.dir, { recursive: true, force: true });
  }
  console.log(`wrote ${path.relative(process.cwd(), OUT)}`);
}

main().catch((error) => {
  console.error(error.message);
  process.exitCode = 1;
});
