/**
 * The pacer's timing, on a manual clock: lanes, spacing, budgets, Retry-After gates. The calls are plain
 * functions that record when they ran; the real WebClient against the emulator is in slack-notifier.test.ts.
 */
import { WebAPIRateLimitedError } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { PacerClosedError, SlackPacer, SlidingWindow, type PacingSettings } from '../../src/notify/channel-pacer.ts';
import { ManualClock, settle } from './manual-clock.ts';

function setup(settings: Partial<PacingSettings> = {}) {
  const clock = new ManualClock(0);
  const pacer = new SlackPacer({ clock, settings: { retryAfterMarginMs: 0, ...settings } });
  const ran: { lane: string; label: string; at: number }[] = [];
  /** A call that records its start and takes `takesMs` of clock time. */
  const call = (lane: string, label: string, takesMs = 0) => async () => {
    ran.push({ lane, label, at: clock.now() });
    if (takesMs > 0) await clock.sleep(takesMs);
    return label;
  };
  return { clock, pacer, ran, call };
}

describe('SlidingWindow', () => {
  it('admits `limit` starts in any window and says how long until the next fits', () => {
    const window = new SlidingWindow({ limit: 2, windowMs: 1_000 });

    expect(window.waitMs(0)).toBe(0);
    window.record(0);
    window.record(300);

    expect(window.waitMs(500)).toBe(500);
    expect(window.waitMs(1_000)).toBe(0);
    window.record(1_000);
    expect(window.waitMs(1_100)).toBe(200);
  });
});

describe('SlackPacer', () => {
  it('spreads a burst in one channel one interval apart, in order, dropping nothing', async () => {
    const { clock, pacer, ran, call } = setup({ channelIntervalMs: 1_000 });

    const results = Promise.all(['a', 'b', 'c', 'd', 'e'].map((label) => pacer.post('C1', call('C1', label))));
    await clock.advance(10_000);

    expect(await results).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(ran.map((r) => [r.label, r.at])).toEqual([
      ['a', 0],
      ['b', 1_000],
      ['c', 2_000],
      ['d', 3_000],
      ['e', 4_000],
    ]);
  });

  it('counts the interval from the end of the previous call, so a slow answer cannot bunch two posts', async () => {
    const { clock, pacer, ran, call } = setup({ channelIntervalMs: 1_000 });

    const done = Promise.all([pacer.post('C1', call('C1', 'slow', 400)), pacer.post('C1', call('C1', 'next'))]);
    await clock.advance(5_000);
    await done;

    expect(ran.map((r) => r.at)).toEqual([0, 1_400]);
  });

  it('keeps channels apart: a busy channel does not delay another', async () => {
    const { clock, pacer, ran, call } = setup({ channelIntervalMs: 1_000 });

    const done = Promise.all([
      ...['a1', 'a2', 'a3'].map((label) => pacer.post('CA', call('CA', label))),
      ...['b1', 'b2'].map((label) => pacer.post('CB', call('CB', label))),
    ]);
    await clock.advance(5_000);
    await done;

    expect(ran.filter((r) => r.lane === 'CB').map((r) => r.at)).toEqual([0, 1_000]);
    expect(ran.filter((r) => r.lane === 'CA').map((r) => r.at)).toEqual([0, 1_000, 2_000]);
  });

  it('shares one workspace budget across channels', async () => {
    const { clock, pacer, ran, call } = setup({ channelIntervalMs: 0, workspacePosts: { limit: 3, windowMs: 10_000 } });

    const done = Promise.all(['C1', 'C2', 'C3', 'C4', 'C5'].map((channel) => pacer.post(channel, call(channel, channel))));
    await clock.advance(9_999);
    const early = ran.length;
    await clock.advance(1);
    await done;

    expect(early).toBe(3);
    expect(ran.map((r) => r.at)).toEqual([0, 0, 0, 10_000, 10_000]);
  });

  it('closes only the refused channel for Retry-After and retries the call there, in order, once it reopens', async () => {
    const { clock, pacer, ran, call } = setup({ channelIntervalMs: 1_000 });
    let refusals = 1;
    const refusedOnce = async () => {
      ran.push({ lane: 'CA', label: 'a1', at: clock.now() });
      if (refusals-- > 0) throw new WebAPIRateLimitedError(3);
      return 'a1';
    };

    const a = Promise.all([pacer.post('CA', refusedOnce), pacer.post('CA', call('CA', 'a2'))]);
    const b = Promise.all(['b1', 'b2', 'b3'].map((label) => pacer.post('CB', call('CB', label))));
    await clock.advance(2_500);

    expect(pacer.closedUntil({ channel: 'CA' })).toBe(3_000);
    expect(pacer.closedUntil({ channel: 'CB' })).toBeNull();
    expect(ran.filter((r) => r.lane === 'CB').map((r) => r.at)).toEqual([0, 1_000, 2_000]);
    expect(ran.filter((r) => r.lane === 'CA').map((r) => r.at)).toEqual([0]);
    await clock.advance(5_000);
    expect(await a).toEqual(['a1', 'a2']);
    await b;
    expect(ran.filter((r) => r.lane === 'CA').map((r) => [r.label, r.at])).toEqual([
      ['a1', 0],
      ['a1', 3_000],
      ['a2', 4_000],
    ]);
    expect(pacer.stats()).toMatchObject({ rateLimited: 1, pending: 0 });
  });

  it('adds the margin to Retry-After', async () => {
    const { clock, pacer, ran } = setup({ retryAfterMarginMs: 250 });
    let refusals = 1;

    const done = pacer.post('CA', async () => {
      ran.push({ lane: 'CA', label: 'x', at: clock.now() });
      if (refusals-- > 0) throw new WebAPIRateLimitedError(1);
    });
    await clock.advance(2_000);
    await done;

    expect(ran.map((r) => r.at)).toEqual([0, 1_250]);
  });

  it('gives up after maxAttempts with the rate-limit error, and the lane moves on after the gate', async () => {
    const { clock, pacer, ran, call } = setup({ maxAttempts: 3, channelIntervalMs: 0 });
    const alwaysRefused = async () => {
      ran.push({ lane: 'CA', label: 'refused', at: clock.now() });
      throw new WebAPIRateLimitedError(2);
    };

    const refused = pacer.post('CA', alwaysRefused).catch((error: unknown) => error);
    const next = pacer.post('CA', call('CA', 'next'));
    await clock.advance(10_000);

    const error = await refused;
    expect(error).toBeInstanceOf(WebAPIRateLimitedError);
    expect((error as WebAPIRateLimitedError).retryAfter).toBe(2);
    expect(await next).toBe('next');
    expect(ran.map((r) => [r.label, r.at])).toEqual([
      ['refused', 0],
      ['refused', 2_000],
      ['refused', 4_000],
      ['next', 6_000],
    ]);
  });

  it('passes other errors straight to the caller without retrying', async () => {
    const { clock, pacer, ran, call } = setup();
    const failing = async () => {
      ran.push({ lane: 'CA', label: 'failing', at: clock.now() });
      throw new Error('internal_error');
    };

    const failed = pacer.post('CA', failing).catch((error: unknown) => error);
    const next = pacer.post('CA', call('CA', 'next'));
    await clock.advance(3_000);

    expect(((await failed) as Error).message).toBe('internal_error');
    expect(await next).toBe('next');
    expect(ran.map((r) => r.label)).toEqual(['failing', 'next']);
  });

  it('paces a method lane by its own window (chat.update, Tier 3), apart from the channel lanes', async () => {
    const { clock, pacer, ran, call } = setup({ methodLimits: { 'chat.update': { limit: 2, windowMs: 60_000 } } });

    const updates = Promise.all(['u1', 'u2', 'u3'].map((label) => pacer.call('chat.update', call('update', label))));
    const post = pacer.post('CA', call('CA', 'p1'));
    await clock.advance(1_000);

    expect(ran.map((r) => r.label).sort()).toEqual(['p1', 'u1', 'u2']);
    await clock.advance(59_000);
    await Promise.all([updates, post]);
    expect(ran.find((r) => r.label === 'u3')?.at).toBe(60_000);
  });

  it('on close, rejects waiting calls and lets the running one finish', async () => {
    const { clock, pacer, call } = setup({ channelIntervalMs: 1_000 });

    const running = pacer.post('CA', call('CA', 'running', 500));
    const waiting = pacer.post('CA', call('CA', 'waiting')).catch((error: unknown) => error);
    await settle();
    pacer.close();
    await clock.advance(2_000);

    expect(await running).toBe('running');
    expect(await waiting).toBeInstanceOf(PacerClosedError);
    await expect(pacer.post('CB', call('CB', 'late'))).rejects.toBeInstanceOf(PacerClosedError);
  });
});
