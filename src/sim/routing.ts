/**
 * What the fake API server knows about a request before it handles it: the route parsed from the URL
 * (API group and version, resource, namespace, name, subresource) and the verb the apiserver's
 * RequestInfoResolver would give it, plus the record each request leaves in the request log.
 *
 * source: staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go (NewRequestInfo: /api and /apis
 *   prefixes, the deprecated /watch/ prefix, namespaced paths, GET with a name → get, without → list or watch)
 */
import { findResource, type ResourceInfo } from './resources.ts';

export type RequestVerb = 'list' | 'watch' | 'get' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'log' | 'discovery';

/** What a fault matcher sees about a request. */
export interface RequestInfo {
  method: string;
  path: string;
  verb: RequestVerb;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** One entry of the request log. `status` is 0 until the response head is written. */
export interface RequestRecord extends RequestInfo {
  /** The raw query string without "?" ("" when none). */
  query: string;
  status: number;
  at: Date;
}

export interface ParsedPath {
  info: RequestInfo;
  kind: 'resource' | 'discovery' | 'unknown';
  resource?: ResourceInfo;
  discoveryPath?: string;
  watchPrefix?: boolean;
}

/** Resolves a request path to a resource of resources.ts, a discovery document, or nothing (404). */
export function parsePath(method: string, pathname: string, watchQuery: boolean): ParsedPath {
  const seg = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  const base: RequestInfo = { method, path: pathname, verb: 'discovery' };
  let group: string;
  let version: string | undefined;
  let rest: string[];
  if (seg[0] === 'api') {
    group = '';
    version = seg[1];
    rest = seg.slice(2);
  } else if (seg[0] === 'apis') {
    group = seg[1] ?? '';
    version = seg[2];
    rest = seg.slice(3);
    if (seg.length <= 2) return { info: base, kind: 'discovery', discoveryPath: pathname };
  } else {
    return { info: base, kind: seg.length === 0 || ['version', 'healthz', 'livez', 'readyz', 'openapi'].includes(seg[0] ?? '') ? 'discovery' : 'unknown', discoveryPath: pathname };
  }
  if (version === undefined || rest.length === 0) return { info: base, kind: 'discovery', discoveryPath: pathname };
  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  let resourceName: string | undefined;
  let name: string | undefined;
  let subresource: string | undefined;
  const nsResource = rest[0] === 'namespaces' && rest.length >= 3 ? findResource(group, version, rest[2] ?? '') : undefined;
  if (nsResource !== undefined && nsResource.namespaced) {
    namespace = rest[1];
    resourceName = rest[2];
    name = rest[3];
    subresource = rest[4];
    if (rest.length > 5) return { info: base, kind: 'unknown' };
  } else {
    resourceName = rest[0];
    name = rest[1];
    subresource = rest[2];
    if (rest.length > 3) return { info: base, kind: 'unknown' };
  }
  const r = findResource(group, version, resourceName ?? '');
  if (r === undefined) return { info: base, kind: 'unknown' };
  if (!r.namespaced && namespace !== undefined) return { info: base, kind: 'unknown' };
  let verb: RequestVerb;
  switch (method) {
    case 'GET':
      verb = name === undefined ? (watchPrefix || watchQuery ? 'watch' : 'list') : subresource === 'log' ? 'log' : watchPrefix ? 'watch' : 'get';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name === undefined ? 'deletecollection' : 'delete';
      break;
    default:
      verb = 'get';
  }
  const info: RequestInfo = { method, path: pathname, verb, resource: r.resource };
  if (subresource !== undefined) info.subresource = subresource;
  if (namespace !== undefined) info.namespace = namespace;
  if (name !== undefined) info.name = name;
  return { info, kind: 'resource', resource: r, watchPrefix };
}
