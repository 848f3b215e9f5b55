import { describe, expect, it } from 'vitest';
import { SCENARIO_IDS } from '../../src/contract/scenarios.ts';
import { postedScenarios, runDemo, wantsBrowserUi } from '../../src/demo/demo.ts';
import { DEMO_CHANNEL, type DemoWorkspace } from '../../src/demo/workspace.ts';

describe('npm run demo', () => {
  it('posts every scenario to the emulated #alerts as Slack messages, tells the story and ends by itself without the browser UI', async () => {
    let printed = '';
    let workspace: DemoWorkspace | undefined;
    const summary = await runDemo({ out: { write: (text) => void (printed += text) }, pace: 0.2, browserUi: false, onStarted: (w) => void (workspace = w) });

    expect(summary.scenariosPosted).toEqual([...SCENARIO_IDS].sort());
    expect(summary.aborted).toBe(false);
    if (!workspace) throw new Error('onStarted was not called');
    expect(workspace.page).toBeUndefined();
    // Each scenario reached the channel as a Slack message (its metadata names it), posted by the real gateway.
    expect(postedScenarios(workspace)).toEqual([...SCENARIO_IDS].sort());
    const parents = workspace.slack.workspace.messages(DEMO_CHANNEL);
    expect(parents.length).toBeGreaterThanOrEqual(SCENARIO_IDS.length);
    for (const parent of parents) expect(workspace.slack.workspace.thread(DEMO_CHANNEL, parent.ts).length).toBeGreaterThanOrEqual(1);
    expect(workspace.slack.violations()).toEqual([]);
    // The story: updates are edits in place, a lost node is one incident, the fixed workload resolves.
    expect(summary.updates).toBeGreaterThan(0);
    expect(workspace.slack.calls('chat.update').length).toBeGreaterThan(0);
    expect(summary.nodeIncidents).toBeGreaterThanOrEqual(2);
    expect(summary.resolved).toBeGreaterThanOrEqual(1);
    expect(printed).toContain('── summary ──');
    expect(printed).toContain('13/13 scenarios posted');
    expect(printed).not.toContain('Open http');
  }, 120_000);

  it('serves the workspace page unless --no-browser-ui or CI', () => {
    expect(wantsBrowserUi([], false)).toBe(true);
    expect(wantsBrowserUi(['--no-browser-ui'], false)).toBe(false);
    expect(wantsBrowserUi([], true)).toBe(false);
    expect(wantsBrowserUi(['--browser-ui'], true)).toBe(true);
    expect(() => wantsBrowserUi(['--bogus'], false)).toThrow();
  });
});
