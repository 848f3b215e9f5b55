/**
 * Reading requests and writing responses the way kube-apiserver does, shared by every handler of the
 * fake API server: JSON bodies, query parameters, Status errors, and the list encoding.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiVersionOf, type ResourceInfo } from './resources.ts';
import type { RequestRecord } from './routing.ts';
import { badRequest, type SimApiError } from './status.ts';
import type { KubeObject } from './store.ts';

export const JSON_TYPE = 'application/json';

export function boolParam(v: string | null): boolean {
  return v === 'true' || v === '1';
}

export function intParam(v: string | null, name: string): number | undefined {
  if (v === null || v === '') return undefined;
  const n = Number(v);
  // source: apimachinery runtime/conversion — strconv.ParseInt errors become a 400
  if (!Number.isInteger(n)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax (${name})`);
  return n;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (err) {
    // source: the apiserver's json serializer error, wrapped in a 400
    throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

export function send(res: ServerResponse, record: RequestRecord | undefined, code: number, body: unknown, contentType = JSON_TYPE): void {
  if (record !== undefined) record.status = code;
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private' });
  res.end(payload);
}

export function sendError(res: ServerResponse, record: RequestRecord | undefined, error: SimApiError): void {
  if (record !== undefined) record.status = error.status.code;
  res.writeHead(error.status.code, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-cache, private', ...error.headers });
  res.end(JSON.stringify(error.status));
}

/** A list: items carry no kind/apiVersion, the list does (the apiserver's list encoding). */
export function sendList(res: ServerResponse, record: RequestRecord, r: ResourceInfo, meta: Record<string, unknown>, items: readonly KubeObject[]): void {
  const stripped = items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
  send(res, record, 200, { kind: r.listKind, apiVersion: apiVersionOf(r), metadata: meta, items: stripped });
}
