import { describe, expect, it } from 'vitest';
import type { NotifyCommand } from '../../src/contract/incident.ts';
import { isPodwhyError } from '../../src/errors.ts';
import { InProcessNotifyQueue } from '../../src/queue/notify-in-process.ts';
import { commandsOfEveryKind } from '../support/notify-commands.ts';

const commands = await commandsOfEveryKind();

describe('InProcessNotifyQueue', () => {
  it('delivers in the enqueuer\'s own call, a validated copy the deliverer cannot share with the manager', async () => {
    const queue = new InProcessNotifyQueue();
    const received: NotifyCommand[] = [];
    await queue.startDelivery(async (command) => void received.push(command));
    const open = structuredClone(commands.open);

    await queue.enqueue(open);
    const deliveredBeforeReturn = received.length;

    expect(deliveredBeforeReturn).toBe(1);
    expect(received[0]).toEqual(open);
    expect(received[0]).not.toBe(open);
  });

  it('throws what the delivery throws, to the enqueuer (the job is retried; the manager re-emits an open)', async () => {
    const queue = new InProcessNotifyQueue();
    await queue.startDelivery(async () => {
      throw new Error('chat.postMessage failed: ratelimited');
    });

    await expect(queue.enqueue(commands.open)).rejects.toThrow('ratelimited');
  });

  it('refuses an invalid command without delivering it, and a command while nothing delivers', async () => {
    const idle = new InProcessNotifyQueue();
    const queue = new InProcessNotifyQueue();
    let deliveries = 0;
    await queue.startDelivery(async () => void (deliveries += 1));

    const invalid = await queue.enqueue({ ...commands.update, target: undefined } as unknown as NotifyCommand).catch((error: unknown) => error);
    const undelivered = await idle.enqueue(commands.open).catch((error: unknown) => error);

    expect(isPodwhyError(invalid, 'bad-input')).toBe(true);
    expect(isPodwhyError(undelivered, 'bad-input')).toBe(true);
    expect(deliveries).toBe(0);
  });

  it('lets a delivery under way finish when it closes, and refuses new ones after', async () => {
    const queue = new InProcessNotifyQueue();
    let finished = false;
    await queue.startDelivery(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      finished = true;
    });
    const underWay = queue.enqueue(commands.open);

    await queue.close();
    const afterClose = await queue.enqueue(commands.open).catch((error: unknown) => error);

    expect(finished).toBe(true);
    await underWay;
    expect(isPodwhyError(afterClose, 'bad-input')).toBe(true);
  });
});
