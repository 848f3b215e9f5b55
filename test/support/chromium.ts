/**
 * Headless Chromium from Debian's package (`chromium`), driven by playwright-core with an explicit executable
 * path: nothing downloads a browser. Used by the browser test and the picture script (bench/picture.ts).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Why the browser test cannot run here, or undefined when it can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} is absent: install Debian's chromium package (.ci/run does) to run the browser test`;
}

/**
 * Flags that work on a closed network, as root: no sandbox (root), no GPU, nothing that phones home (QUIC,
 * component updates, sync, background networking). playwright-core gives every launch a fresh profile directory.
 */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
}
