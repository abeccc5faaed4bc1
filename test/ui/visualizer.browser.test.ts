// The visualizer in a real Chromium against a real server (builtin auth, the real MCP handler):
// a run started over MCP changes state on the page without a reload; its statechart, DAG,
// replay and trace open; a workspace-restricted key sees only its workspace. No console
// errors, and no request to anything but 127.0.0.1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startUiServer } from './_server.ts';
import type { UiServer } from './_server.ts';
import { openBrowser } from './_browser.ts';
import type { Browser } from './_browser.ts';

const DIAMOND = `steps:
  - name: fetch
    run: sleep 0.6; echo fetched
  - name: left
    run: echo left
    depends: [fetch]
  - name: right
    run: sleep 0.6; echo right
    depends: [fetch]
  - name: join
    run: echo joined
    depends: [left, right]
`;
const TICKER = `steps:
  - name: ticker
    run: echo tick-1; sleep 1.5; echo tick-2; sleep 60
`;
const TEAM = `labels: [workspace=team]
steps:
  - name: build
    run: sleep 0.3; echo team build
`;

let server: UiServer;
let browser: Browser;
let adminKey: string;
let teamKey: string;
let mcpKey: string;
let runId = '';
let correlationId = '';

test.before(async () => {
  server = await startUiServer();
  server.writeDag('diamond', DIAMOND);
  server.writeDag('teamjob', TEAM);
  server.writeDag('ticker', TICKER);
  adminKey = await server.createKey('ui-admin', 'admin', ['rest_api']);
  teamKey = await server.createKey('ui-team', 'operator', ['rest_api'], { all: false, grants: [{ workspace: 'team', role: 'operator' }] });
  mcpKey = await server.createKey('agent', 'operator', ['mcp']);
  await server.troupe.auth.createUser({ username: 'ops', password: 'ops-password-1', role: 'manager' });
  browser = await openBrowser();
});

test.after(async () => {
  await browser?.close();
  await server?.close();
});

const ui = () => `${server.url}/ui/`;

async function signInWithKey(key: string) {
  const { page } = browser;
  await page.goto(ui());
  await page.waitForSelector('form[data-form=api-key]');
  await page.fill('input[name=apikey]', key);
  await page.click('form[data-form=api-key] button');
  await page.waitForSelector('[data-role=who]');
}

test('sign in with a password under builtin auth, then sign out', async () => {
  const { page } = browser;
  await page.goto(ui());
  await page.waitForSelector('form[data-form=login]');
  await page.fill('input[name=username]', 'ops');
  await page.fill('input[name=password]', 'wrong-password');
  await page.click('form[data-form=login] button');
  await page.waitForSelector('[data-role=signin-error]');
  await page.fill('input[name=password]', 'ops-password-1');
  await page.click('form[data-form=login] button');
  assert.match(await page.textContent('[data-role=who]', { timeout: 10_000 }) ?? '', 'ops · manager');
  await page.click('header button:text("Sign out")');
  await page.waitForSelector('form[data-form=login]');
});

test('a run started over MCP changes state on the actors page without a reload', async () => {
  const { page } = browser;
  await signInWithKey(adminKey);
  await page.waitForSelector('[data-role=live]:text("live")');
  await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 1));
  const client = await server.mcp(mcpKey);
  const result = (await client.callTool({ name: 'dagu_execute', arguments: { action: 'start', name: 'diamond' } })) as { structuredContent?: { dagRunId?: string }; _meta?: Record<string, string> };
  runId = result.structuredContent?.dagRunId ?? '';
  correlationId = result._meta?.['troupe/correlationId'] ?? '';
  assert.ok(runId && correlationId, 'the MCP call returned a run id and a correlation id');
  const row = `tr[data-actor="run:diamond/${runId}:1"] [data-role=state]`;
  await page.waitForSelector(`${row}:text("running")`, { timeout: 10_000 });
  await browser.shot('actors-running');
  await page.waitForSelector(`${row}:text("succeeded")`, { timeout: 20_000 });
  assert.is(await page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload), 1, 'the page was not reloaded');
  // Step actors of the run are listed too, and the counts follow.
  assert.ok(await page.$(`tr[data-actor="step:diamond/${runId}:1:join"]`));
  assert.ok(Number(await page.textContent('.count[data-kind=step] b')) >= 4);
});

test('the run page shows the DAG coloured by step status, the timeline and a step log', async () => {
  const { page } = browser;
  await page.goto(`${ui()}#/run/diamond/${runId}`);
  for (const step of ['fetch', 'left', 'right', 'join']) await page.waitForSelector(`.dag [data-step=${step}][data-status=succeeded]`);
  assert.is(await page.textContent('[data-role=run-status]'), 'succeeded');
  assert.is(await page.locator('.dag .dag-edge').count(), 4, 'one edge per depends entry');
  assert.is(await page.locator('.timeline .tl-bar').count(), 4);
  await page.click('.dag [data-step=right]');
  await page.waitForSelector('[data-role=step-log]:text("right")');
  assert.ok(await page.$('button[data-action=retry]'), 'an admin may retry');
  await browser.shot('run');
});

test('the statechart of the run has the final state highlighted and its event log', async () => {
  const { page } = browser;
  await page.click('[data-link=statechart]');
  await page.waitForSelector('.chart .state.active[data-state=succeeded]');
  assert.is(await page.textContent('[data-role=current-state]'), 'succeeded');
  const labels = await page.locator('.chart .edge-label').allTextContents();
  assert.ok(labels.includes('run.stop'), 'transitions are labelled by event');
  assert.ok((await page.locator('.event-log tbody tr').count()) >= 2);
  assert.ok(await page.$(`.event-log [data-trace="${correlationId}"]`), 'the log carries the correlation id');
  await browser.shot('statechart');
});

test('replay: the scrubber moves the DAG and the statechart through the run', async () => {
  const { page } = browser;
  await page.goto(`${ui()}#/replay/diamond/${runId}`);
  await page.waitForSelector('[data-role=replay-source][data-source=persisted]');
  const total = Number((await page.textContent('[data-role=position]'))!.split('/')[1]);
  assert.ok(total >= 9, `run and four steps give at least 9 transitions (${total})`);
  await page.locator('input[aria-label=scrubber]').fill('0');
  await page.waitForSelector('.replay-view .dag [data-step=join][data-status=not_started]');
  assert.is(await page.textContent('[data-role=replay-run-state]'), '∅');
  // Somewhere in the middle the run is running and the join step has not started.
  let middle = 0;
  for (let i = 1; i < total && !middle; i++) {
    await page.locator('input[aria-label=scrubber]').fill(String(i));
    const state = await page.textContent('[data-role=replay-run-state]');
    if (state?.startsWith('running')) middle = i;
  }
  assert.ok(middle > 0, 'the run is running at some point of the replay');
  await page.waitForSelector('.replay-view .chart .state.active[data-state^=running]');
  await page.waitForSelector('.replay-view .dag [data-step=join][data-status=not_started]');
  await page.locator('input[aria-label=scrubber]').fill(String(total));
  await page.waitForSelector('.replay-view .dag [data-step=join][data-status=succeeded]');
  await page.waitForSelector('.replay-view .chart .state.active[data-state=succeeded]');
  await browser.shot('replay');
});

test('trace: from the run to the MCP call that started it and everything it caused', async () => {
  const { page } = browser;
  await page.goto(`${ui()}#/run/diamond/${runId}`);
  await page.click(`.toolbar [data-trace="${correlationId}"]`);
  await page.waitForSelector('.trace-entry');
  const actions = await page.locator('.trace-entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
  for (const a of ['mcp.tool_call.received', 'dag_execute', 'dag_run_started', 'dag_run_finished']) assert.ok(actions.includes(a), `${a} in ${actions.join(', ')}`);
  assert.ok(actions.indexOf('mcp.tool_call.received') < actions.indexOf('dag_execute'), 'in order: the call, then what it did');
  assert.ok(actions.indexOf('dag_run_started') < actions.indexOf('dag_run_finished'));
  await browser.shot('trace');
});

test('trace: the correlation id an MCP client got back opens the same trail from the header', async () => {
  const { page } = browser;
  await page.goto(`${ui()}#/actors`);
  await page.fill('input[aria-label="correlation id"]', correlationId);
  await page.press('input[aria-label="correlation id"]', 'Enter');
  await page.waitForSelector('.trace-entry[data-action="dag_run_finished"]');
  assert.is(new URL(page.url()).hash, `#/trace/${encodeURIComponent(correlationId)}`);
  assert.is(await page.locator('.trace-entry[data-action="mcp.tool_call.received"]').count(), 1, 'the one call that started it');
});

test("a running step's log follows on the page; Stop and Retry act through the REST API", async () => {
  const { page } = browser;
  await page.goto(`${ui()}#/actors`);
  await page.click('[data-dag=ticker] [data-action=start]');
  await page.waitForSelector('[data-role=run-status]:text("running")', { timeout: 10_000 });
  await page.waitForSelector('.dag [data-step=ticker][data-status=running]');
  await page.click('.dag [data-step=ticker]');
  await page.waitForSelector('[data-role=step-log]:text("tick-1")', { timeout: 10_000 });
  assert.ok(await page.$('.step-log :text("following")'), 'the log says it follows');
  await page.waitForSelector('[data-role=step-log]:text("tick-2")', { timeout: 10_000 });
  assert.not.ok(await page.$('button[data-action=retry]'), 'no retry while it runs');
  await page.click('button[data-action=stop]');
  await page.waitForSelector('[data-role=run-status]:text("aborted")', { timeout: 15_000 });
  await page.waitForSelector('.dag [data-step=ticker][data-status=aborted]');
  await page.click('button[data-action=retry]');
  await page.waitForSelector('[data-role=run-status]:text("running")', { timeout: 10_000 });
  assert.match((await page.textContent('.run-view .toolbar')) ?? '', 'attempt 2');
  await page.click('button[data-action=stop]');
  await page.waitForSelector('[data-role=run-status]:text("aborted")', { timeout: 15_000 });
});

test('a workspace-restricted key sees only its workspace', async () => {
  const { page } = browser;
  await page.click('header button:text("Sign out")');
  await signInWithKey(teamKey);
  await page.waitForSelector('[data-dag=teamjob]');
  assert.is(await page.locator('[data-dag]').count(), 1, 'only the team DAG is listed');
  assert.is(await page.locator(`tr[data-actor*="diamond/"]`).count(), 0, 'no actor of another workspace');
  await page.click('[data-dag=teamjob] [data-action=start]');
  await page.waitForSelector('[data-role=run-status]:text("succeeded")', { timeout: 20_000 });
  await page.goto(`${ui()}#/actors`);
  await page.waitForSelector('tr[data-actor^="run:teamjob/"]');
  assert.is(await page.locator(`tr[data-actor*="diamond/"]`).count(), 0);
  await page.goto(`${ui()}#/run/diamond/${runId}`);
  await page.waitForSelector('.error');
  assert.match((await page.textContent('.error')) ?? '', 'not found');
  // Console errors for the expected 404 above are the browser's own network log lines.
  await browser.shot('workspace');
});

test('after a restart, the finished run still replays from its persisted transitions', async () => {
  const { page } = browser;
  await page.goto('about:blank'); // the old page would retry its live stream against the stopped server
  await server.restart();
  // A new port is a new origin: the tab's credential is gone, so sign in again.
  await signInWithKey(adminKey);
  await page.goto(`${ui()}#/replay/diamond/${runId}`);
  await page.waitForSelector('[data-role=replay-source][data-source=persisted]');
  const total = Number((await page.textContent('[data-role=position]'))!.split('/')[1]);
  assert.ok(total >= 9, `every transition is still there (${total})`);
  await page.waitForSelector('.replay-view .dag [data-step=join][data-status=succeeded]');
  await page.waitForSelector('.replay-view .chart .state.active[data-state=succeeded]');
  await page.locator('input[aria-label=scrubber]').fill('1');
  await page.waitForSelector('.replay-view .dag [data-step=join][data-status=not_started]');
});

test('no console errors and no request to anything but 127.0.0.1', () => {
  const errors = browser.errors.filter((e) => !/Failed to load resource: the server responded with a status of (401|404)/.test(e));
  assert.equal(errors, []);
  assert.equal(browser.foreign(), []);
  assert.ok(browser.requests.length > 10);
  // Live data came from the live streams' actors topic.
  assert.ok(browser.requests.some((u) => new URL(u).pathname === '/api/v1/streams/actors'), 'the page read the actors stream');
});

test.run();
