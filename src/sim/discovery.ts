/**
 * Discovery answers of the fake API server: /api, /apis and each group-version (legacy documents, or
 * the aggregated apidiscovery.k8s.io/v2 list when the client asks for it), /version and the health
 * endpoints. The resource lists themselves come from resources.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { send } from './http-io.ts';
import { aggregatedDiscovery, apiResourceList, GROUPS } from './resources.ts';
import type { RequestRecord } from './routing.ts';
import { pathNotFound } from './status.ts';

const AGGREGATED_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export interface DiscoveryOptions {
  /** 'aggregated' answers apidiscovery.k8s.io/v2 when asked; 'legacy' never does. */
  mode: 'aggregated' | 'legacy';
  /** The server's port, named in APIVersions.serverAddressByClientCIDRs. */
  port: number;
}

export function serveDiscovery(req: IncomingMessage, res: ServerResponse, record: RequestRecord, path: string, options: DiscoveryOptions): void {
  const accept = req.headers.accept ?? '';
  const wantsAggregated = options.mode === 'aggregated' && accept.includes('as=APIGroupDiscoveryList');
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/api') {
    if (wantsAggregated) return send(res, record, 200, aggregatedDiscovery(true), AGGREGATED_TYPE);
    return send(res, record, 200, {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${options.port}` }],
    });
  }
  if (p === '/apis') {
    if (wantsAggregated) return send(res, record, 200, aggregatedDiscovery(false), AGGREGATED_TYPE);
    return send(res, record, 200, {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: GROUPS.map(({ group, version }) => ({
        name: group,
        versions: [{ groupVersion: `${group}/${version}`, version }],
        preferredVersion: { groupVersion: `${group}/${version}`, version },
      })),
    });
  }
  if (p === '/api/v1') return send(res, record, 200, apiResourceList('', 'v1'));
  for (const { group, version } of GROUPS) {
    if (p === `/apis/${group}/${version}`) return send(res, record, 200, apiResourceList(group, version));
    if (p === `/apis/${group}`) {
      return send(res, record, 200, {
        kind: 'APIGroup',
        apiVersion: 'v1',
        name: group,
        versions: [{ groupVersion: `${group}/${version}`, version }],
        preferredVersion: { groupVersion: `${group}/${version}`, version },
      });
    }
  }
  if (p === '/version') {
    return send(res, record, 200, {
      major: '1', minor: '32', gitVersion: 'v1.32.0', gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean',
      buildDate: '2024-12-11T17:55:17Z', goVersion: 'go1.23.3', compiler: 'gc', platform: 'linux/amd64',
    });
  }
  if (p === '/healthz' || p === '/livez' || p === '/readyz') return send(res, record, 200, 'ok', 'text/plain; charset=utf-8');
  throw pathNotFound();
}
