import { describe, expect, it } from 'vitest';
import { seedCluster } from '../../bench/cluster-seed.ts';
import { decodeList, ListDecoder } from '../../src/cluster/list-decoder.ts';
import { ObjectStore } from '../../src/sim/store.ts';

describe('ListDecoder', () => {
  // Strings that contain every byte the decoder treats as structure, escapes, and multi-byte UTF-8
  // (2, 3 and 4 bytes) that a chunk boundary can cut in half.
  const tricky = {
    metadata: { name: 'a', annotations: { note: 'quote " brace { } bracket [ ] comma , backslash \\ end\\', 'items': '[1,2]' } },
    spec: { containers: [{ name: 'app', args: ['--motd=héllo 日本 🚀', '\\"', '\\'], env: [] }] },
  };
  const list = {
    kind: 'PodList',
    apiVersion: 'v1',
    metadata: { resourceVersion: '42', continue: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ', remainingItemCount: 3 },
    items: [tricky, { metadata: { name: 'b' }, status: { phase: 'Running' } }, { metadata: { name: 'c' }, x: [[], {}, [[1]]] }],
  };

  it.each([
    ['compact', JSON.stringify(list)],
    ['indented, items first', JSON.stringify({ items: list.items, kind: list.kind, metadata: list.metadata }, null, 2)],
  ])('decodes a %s LIST body item by item, wherever chunk boundaries fall', (_, text) => {
    const body = Buffer.from(text);

    const whole = decodeList(body);
    const splits = Array.from({ length: body.length + 1 }, (_, at) => {
      const decoder = new ListDecoder();
      decoder.push(body.subarray(0, at));
      decoder.push(body.subarray(at));
      return decoder.end();
    });
    const byteByByte = new ListDecoder();
    for (let i = 0; i < body.length; i++) byteByByte.push(body.subarray(i, i + 1));

    expect(whole.items).toEqual(list.items);
    expect(whole.head).toMatchObject({ kind: 'PodList', metadata: list.metadata, items: [] });
    expect(splits.every((d) => JSON.stringify(d) === JSON.stringify(whole))).toBe(true);
    expect(byteByByte.end()).toEqual(whole);
  });

  it('parses null in place of each item\'s managedFields, wherever chunk boundaries fall, and leaves a string "managedFields" alone', () => {
    const managedFields = [{ manager: 'kubelet', operation: 'Update', fieldsV1: { 'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {} } } } } }];
    const withFields = {
      kind: 'PodList',
      apiVersion: 'v1',
      metadata: { resourceVersion: '7' },
      items: [
        { metadata: { name: 'a', managedFields, uid: 'u' }, spec: { containers: [{ name: 'app', args: ['managedFields', 'managedFields:'] }] } },
        { metadata: { managedFields: [], name: 'b' }, note: { managedFields: { nested: [1, { x: ']' }] } } },
      ],
    };
    const expected = [
      { metadata: { name: 'a', managedFields: null, uid: 'u' }, spec: { containers: [{ name: 'app', args: ['managedFields', 'managedFields:'] }] } },
      { metadata: { managedFields: null, name: 'b' }, note: { managedFields: null } },
    ];
    const body = Buffer.from(JSON.stringify(withFields, null, 1));

    const splits = Array.from({ length: body.length + 1 }, (_, at) => {
      const decoder = new ListDecoder();
      decoder.push(body.subarray(0, at));
      decoder.push(body.subarray(at));
      return decoder.end().items;
    });
    const byteByByte = new ListDecoder();
    for (let i = 0; i < body.length; i++) byteByByte.push(body.subarray(i, i + 1));

    expect(decodeList(body).items).toEqual(expected);
    expect(splits.filter((items) => JSON.stringify(items) !== JSON.stringify(expected))).toEqual([]);
    expect(byteByByte.end().items).toEqual(expected);
  });

  it('hands each item to onItem as soon as its last byte arrives', () => {
    const body = Buffer.from(JSON.stringify(list));
    const firstEnds = body.indexOf('},{"metadata":{"name":"b"}') + 1;
    const seen: unknown[] = [];
    const decoder = new ListDecoder((item) => seen.push(item));

    decoder.push(body.subarray(0, firstEnds + 1));
    const afterFirstItem = seen.length;
    decoder.push(body.subarray(firstEnds + 1));
    const decoded = decoder.end();

    expect(afterFirstItem).toBe(1);
    expect(seen).toEqual(list.items);
    expect(decoded.items).toEqual([]);
    expect(decoded.head).toMatchObject({ metadata: { resourceVersion: '42' } });
  });

  it('decodes an empty page, a body without items and items that are not objects', () => {
    expect(decodeList(Buffer.from('{"kind":"PodList","metadata":{"resourceVersion":"7"},"items":[]}')).items).toEqual([]);
    expect(decodeList(Buffer.from('{"kind":"Status","code":200}'))).toEqual({ head: { kind: 'Status', code: 200 }, items: [] });
    expect(decodeList(Buffer.from('{"items":[ 1 , "two" ,null,true ]}')).items).toEqual([1, 'two', null, true]);
  });

  it('rejects a body that ends early', () => {
    const body = Buffer.from(JSON.stringify(list));

    expect(() => decodeList(body.subarray(0, body.length - 1))).toThrow(SyntaxError);
    expect(() => decodeList(body.subarray(0, 60))).toThrow(SyntaxError);
  });

  // The bench cluster's objects carry managedFields as the API server sends them; a few strings
  // add escapes and multi-byte UTF-8. Random cuts (seeded) land anywhere, many bytes apart or one.
  it.each(['pods', 'nodes', 'replicasets', 'events'])('decodes a LIST of the bench cluster\'s %s cut at random, as JSON.parse of the whole body with managedFields null', (resource) => {
    const store = new ObjectStore();
    seedCluster(store, { pods: 40, nodes: 4, failingRatio: 0.25, nowMs: Date.parse('2026-11-20T12:00:00Z') });
    const items: unknown[] = store.list(resource).items;
    items.push({ metadata: { name: 'odd', annotations: { 'a\\"b': 'é 日本 🚀 \\ \\\\" "{[', managedFields: 'kept: a string' } }, spec: { managedFields: null } });
    const expected = (JSON.parse(JSON.stringify(items)) as unknown[]).map((item) => JSON.parse(JSON.stringify(item), (key, value: unknown) => (key === 'managedFields' && typeof value === 'object' && value !== null ? null : value)));
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (const text of [JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '9' }, items }), JSON.stringify({ metadata: {}, items }, null, 2)]) {
      const body = Buffer.from(text);
      for (let run = 0; run < 20; run++) {
        const decoder = new ListDecoder();
        const longest = run % 2 === 0 ? 16 : 20_000;
        for (let at = 0; at < body.length; ) {
          const next = Math.min(body.length, at + 1 + Math.floor(random() * longest));
          // A Uint8Array that is not a Buffer, as a fetch body stream hands over.
          decoder.push(run % 3 === 0 ? new Uint8Array(body.subarray(at, next)) : body.subarray(at, next));
          at = next;
        }
        expect(decoder.end().items).toEqual(expected);
      }
      const keeping = new ListDecoder(undefined, { keepManagedFields: true });
      for (let at = 0; at < body.length; at += 1000) keeping.push(body.subarray(at, at + 1000));
      expect(keeping.end().items).toEqual(JSON.parse(JSON.stringify(items)));
    }
    expect(expected.length).toBeGreaterThan(4);
    expect(JSON.stringify(items)).toContain('"managedFields":[');
  });
});

describe('ListDecoder onHead', () => {
  const body = (head: string, items: string, tail = '') => Buffer.from(`{${head}"items":[${items}]${tail}}`);

  it('hands over the head (kind, metadata with the continue token) before the first item, chunk by chunk', () => {
    const bytes = body('"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"42","continue":"tok\\"en"},', '{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}');
    for (const cut of [1, 7, 30, bytes.length]) {
      const seen: string[] = [];
      const decoder = new ListDecoder((item) => seen.push(`item ${(item as { metadata: { name: string } }).metadata.name}`), {
        onHead: (head) => seen.push(`head ${JSON.stringify(head)}`),
      });
      for (let i = 0; i < bytes.length; i += cut) decoder.push(bytes.subarray(i, i + cut));
      const { head } = decoder.end();
      expect(seen).toEqual([`head ${JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '42', continue: 'tok"en' }, items: [] })}`, 'item a', 'item b']);
      expect(head).toEqual({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '42', continue: 'tok"en' }, items: [] });
    }
  });

  it('gives a head without metadata when the metadata comes after the items (end() still reads it)', () => {
    const bytes = Buffer.from('{"kind":"PodList","items":[{"metadata":{"name":"a"}}],"metadata":{"continue":"x"}}');
    const heads: unknown[] = [];
    const decoder = new ListDecoder(() => undefined, { onHead: (head) => heads.push(head) });
    decoder.push(bytes);
    const { head } = decoder.end();
    expect(heads).toEqual([{ kind: 'PodList', items: [] }]);
    expect((head as { metadata: { continue: string } }).metadata.continue).toBe('x');
  });
});
