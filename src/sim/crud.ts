/**
 * The fake API server's object verbs: list (paged, selectors, server-side Tables), get, create,
 * update, patch, delete and deletecollection, with the request checks the apiserver's handlers make
 * before the registry (ObjectStore) applies its own rules. Lists carry no kind/apiVersion on their
 * items; the list does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { boolParam, intParam, parseJsonBody, send, sendList } from './http-io.ts';
import { isPatchType, PATCH_TYPES } from './patch.ts';
import type { ResourceInfo } from './resources.ts';
import type { RequestInfo, RequestRecord, RequestVerb } from './routing.ts';
import { badRequest, methodNotSupported, notFound, SimApiError, success, unsupportedMediaType } from './status.ts';
import type { DeleteOptions, KubeObject, ObjectStore, PropagationPolicy } from './store.ts';
import { toTable } from './tables.ts';

/** Patch types accepted for built-in resources (apply-patch+yaml is not implemented). */
const ACCEPTED_PATCH_TYPES = [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.strategic] as const;

/** The verbs served here; watch, log and discovery have their own handlers. */
export type CrudVerb = Exclude<RequestVerb, 'watch' | 'log' | 'discovery'>;

export interface CrudContext {
  store: ObjectStore;
  /** Clock for the ages in Tables. */
  clock: () => Date;
}

export function serveCrud(
  ctx: CrudContext,
  req: IncomingMessage,
  res: ServerResponse,
  record: RequestRecord,
  verb: CrudVerb,
  r: ResourceInfo,
  info: RequestInfo,
  query: URLSearchParams,
  rawBody: Buffer,
): void {
  const { store } = ctx;
  const { namespace, name, subresource } = info;
  const table = (req.headers.accept ?? '').includes('as=Table');
  const includeObject = (query.get('includeObject') ?? 'Metadata') as 'None' | 'Metadata' | 'Object';
  switch (verb) {
    case 'list': {
      const page = store.listPage(r.resource, {
        ...(namespace !== undefined ? { namespace } : {}),
        labelSelector: query.get('labelSelector') ?? undefined,
        fieldSelector: query.get('fieldSelector') ?? undefined,
        limit: intParam(query.get('limit'), 'limit'),
        continue: query.get('continue') ?? undefined,
      });
      const meta: Record<string, unknown> = { resourceVersion: page.resourceVersion };
      if (page.continue !== undefined) meta['continue'] = page.continue;
      if (page.remainingItemCount !== undefined) meta['remainingItemCount'] = page.remainingItemCount;
      if (table) return send(res, record, 200, toTable(r, page.items, meta, ctx.clock(), includeObject));
      return sendList(res, record, r, meta, page.items);
    }
    case 'get': {
      const obj = store.get(r.resource, namespace, name ?? '');
      if (obj === undefined) throw notFound(r.resource, r.group, name ?? '');
      if (table && subresource === undefined) return send(res, record, 200, toTable(r, [obj], { resourceVersion: obj.metadata.resourceVersion ?? '' }, ctx.clock(), includeObject));
      return send(res, record, 200, obj);
    }
    case 'create': {
      if (name !== undefined) throw methodNotSupported(r.resource, r.group, 'create');
      const body = objectBody(parseJsonBody(rawBody));
      if (r.namespaced) {
        const ns = namespace ?? '';
        if (body.metadata.namespace !== undefined && body.metadata.namespace !== '' && body.metadata.namespace !== ns) {
          // source: staging/src/k8s.io/apiserver/pkg/registry/rest/meta.go (EnsureObjectNamespaceMatchesRequestNamespace)
          throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
        }
        body.metadata.namespace = ns;
        // source: plugin/pkg/admission/namespace/lifecycle/admission.go — creating in a missing namespace is a 404 NotFound
        if (store.get('namespaces', undefined, ns) === undefined) throw notFound('namespaces', '', ns);
      }
      const created = store.create(body, { resource: r.resource, apiMode: true });
      return send(res, record, 201, created);
    }
    case 'update': {
      const body = objectBody(parseJsonBody(rawBody));
      if (body.metadata.name !== undefined && body.metadata.name !== name) {
        // source: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/update.go
        throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${String(name)})`);
      }
      body.metadata.name = name;
      if (r.namespaced) {
        if (body.metadata.namespace !== undefined && body.metadata.namespace !== '' && body.metadata.namespace !== namespace) {
          throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
        }
        body.metadata.namespace = namespace;
      }
      const updated = store.update(body, { resource: r.resource, apiMode: true, ...(subresource === 'status' ? { subresource: 'status' as const } : {}) });
      return send(res, record, 200, updated);
    }
    case 'patch': {
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
      if (!isPatchType(contentType)) throw unsupportedMediaType(ACCEPTED_PATCH_TYPES);
      const body = parseJsonBody(rawBody);
      if (body === undefined) throw badRequest('the body of the request was empty');
      const patched = store.patch(r.resource, namespace, name ?? '', contentType, body, subresource === 'status' ? { subresource: 'status' } : {});
      return send(res, record, 200, patched);
    }
    case 'delete': {
      if (subresource !== undefined) throw methodNotSupported(r.resource, r.group, 'delete');
      const options = deleteOptions(parseJsonBody(rawBody), query);
      const result = store.delete(r.resource, namespace, name ?? '', options);
      if (result.deleted && !r.returnsDeletedObject) {
        const details: Record<string, string> = { name: name ?? '' };
        if (r.group !== '') details['group'] = r.group;
        details['kind'] = r.resource;
        if (result.object.metadata.uid !== undefined) details['uid'] = result.object.metadata.uid;
        return send(res, record, 200, success(details));
      }
      // source: handlers/delete.go — 202 when not deleted at once and orphanDependents=false was asked
      const code = !result.deleted && options.orphanDependents === false ? 202 : 200;
      return send(res, record, code, result.object);
    }
    case 'deletecollection': {
      const options = deleteOptions(parseJsonBody(rawBody), query);
      const { items } = store.list(r.resource, {
        ...(namespace !== undefined ? { namespace } : {}),
        labelSelector: query.get('labelSelector') ?? undefined,
        fieldSelector: query.get('fieldSelector') ?? undefined,
      });
      const out: KubeObject[] = [];
      for (const item of items) {
        try {
          out.push(store.delete(r.resource, item.metadata.namespace, item.metadata.name ?? '', options).object);
        } catch (err) {
          if (!(err instanceof SimApiError && err.code === 404)) throw err;
        }
      }
      return sendList(res, record, r, { resourceVersion: store.resourceVersion }, out);
    }
  }
}

function objectBody(body: unknown): KubeObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Object \'Kind\' is missing in request body');
  const obj = body as KubeObject;
  if (typeof obj.metadata !== 'object' || obj.metadata === null) obj.metadata = {};
  return obj;
}

function deleteOptions(body: unknown, query: URLSearchParams): DeleteOptions {
  const options: DeleteOptions = {};
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const grace = b['gracePeriodSeconds'] ?? intParam(query.get('gracePeriodSeconds'), 'gracePeriodSeconds');
  if (typeof grace === 'number') options.gracePeriodSeconds = grace;
  const policy = b['propagationPolicy'] ?? query.get('propagationPolicy') ?? undefined;
  if (policy !== undefined) {
    if (policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
      // source: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go (ValidateDeleteOptions)
      throw new SimApiError({
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Invalid', code: 422,
        message: `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"`,
        details: { group: 'meta.k8s.io', kind: 'DeleteOptions', causes: [{ type: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"`, field: 'propagationPolicy' }] },
      });
    }
    options.propagationPolicy = policy as PropagationPolicy;
  }
  const orphan = b['orphanDependents'] ?? (query.get('orphanDependents') === null ? undefined : boolParam(query.get('orphanDependents')));
  if (typeof orphan === 'boolean') options.orphanDependents = orphan;
  const pre = b['preconditions'];
  if (typeof pre === 'object' && pre !== null) {
    const p = pre as Record<string, unknown>;
    options.preconditions = {};
    if (typeof p['uid'] === 'string') options.preconditions.uid = p['uid'];
    if (typeof p['resourceVersion'] === 'string') options.preconditions.resourceVersion = p['resourceVersion'];
  }
  return options;
}
