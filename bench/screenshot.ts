import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { chromium } from 'playwright-core';
import { loadConfig, temporalAddress } from '../worker/config';

/**
 * Screenshots of the Temporal Web UI showing incidents, for the README: run while `npm start`
 * has opened at least one incident. Uses Debian's Chromium (apt-get install chromium): test
 * tools' own browser downloads cannot reach the internet here.
 */
async function main() {
  const config = loadConfig();
  const ui = `http://127.0.0.1:${config.temporal.uiPort}/namespaces/${config.temporal.namespace}`;
  const connection = await Connection.connect({ address: temporalAddress(config) });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  let incident: { workflowId: string; runId: string } | undefined;
  for await (const wf of client.workflow.list({ query: "WorkflowType = 'incidentWorkflow'" })) {
    incident = { workflowId: wf.workflowId, runId: wf.runId };
    break;
  }
  await connection.close();
  if (!incident) throw new Error('no incident yet: run `npm start` until the demo opens one');

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const shots: [string, string][] = [
      [
        `${ui}/workflows?query=${encodeURIComponent("WorkflowType='incidentWorkflow'")}`,
        'temporal-ui-incidents.png',
      ],
      [`${ui}/workflows/${incident.workflowId}/${incident.runId}`, 'temporal-ui-incident.png'],
    ];
    for (const [url, file] of shots) {
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      // The UI keeps polling (never network-idle): give it time to render the workflow.
      await page.waitForTimeout(5_000);
      const path = resolve(__dirname, '..', 'docs', file);
      await writeFile(path, await page.screenshot({ fullPage: false }));
      console.log(`wrote ${path}`);
    }
  } finally {
    await browser.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
