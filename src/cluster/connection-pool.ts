/**
 * One kept-alive connection pool for every request ClientNodeCluster sends, where client-node's
 * KubeConfig would build a new one per request (see PooledKubeconfigAuth).
 */
import type { KubeConfig, RequestContext, SecurityAuthentication } from '@kubernetes/client-node';

/** The undici dispatcher client-node hands a request (an Agent with the kubeconfig's TLS settings, or a proxy agent). */
type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/** source: kubernetes/client-go transport/cert_rotation.go (`var CertCallbackRefreshDuration = 5 * time.Minute`) */
export const CONNECTION_REFRESH_MS = 5 * 60_000;
/** How long a replaced pool stays open for requests that were handed it before it was replaced. */
const RETIRED_POOL_GRACE_MS = 1_000;

/**
 * The kubeconfig's authentication with one connection pool for every request. KubeConfig's own
 * applySecurityAuthentication (config.js) sets the headers — bearer token, exec plugin and auth-provider
 * tokens, basic auth, impersonation — and then gives the request a NEW undici Agent built from the
 * cluster's CA, client certificate, TLS server name and proxy (createDispatcher), every time. An Agent is
 * a connection pool; a new one per request means a new TCP connection and TLS handshake per GET, log
 * read or LIST page, left idle until undici's keep-alive timeout closes it (bench:pipeline: most of the
 * burst's p99 and half of the workers' throughput). Here the headers still come from the kubeconfig on
 * every request (tokens expire and are refreshed there), but the first Agent it builds is kept and every
 * request goes through it, on kept-alive connections. Every `refreshMs` the pool is replaced by the Agent
 * the kubeconfig builds then (new certificate files, an exec plugin's new client certificate) and the old
 * one is closed once its requests are done. The Agents built for other requests never open a connection.
 */
export class PooledKubeconfigAuth implements SecurityAuthentication {
  readonly #kc: KubeConfig;
  readonly #refreshMs: number;
  #pool: Dispatcher | undefined;
  #poolSince = 0;
  #closed = false;

  constructor(kc: KubeConfig, refreshMs: number) {
    this.#kc = kc;
    this.#refreshMs = refreshMs;
  }

  getName(): string {
    return 'kubeconfig authentication, one connection pool';
  }

  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await this.#kc.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    // None: a plain-HTTP cluster without TLS settings, which undici's global (pooled) dispatcher serves.
    if (!fresh || this.#closed) return;
    const now = Date.now();
    if (!this.#pool || now - this.#poolSince >= this.#refreshMs) {
      const old = this.#pool;
      this.#pool = fresh;
      this.#poolSince = now;
      // close() lets the requests in flight finish, then ends the old pool's connections. A request handed
      // the old pool a moment ago may not have been sent yet (middleware runs in between): give it time.
      if (old) setTimeout(() => void old.close().catch(() => undefined), RETIRED_POOL_GRACE_MS).unref();
    }
    context.setDispatcher(this.#pool);
  }

  /** Closes the pool's connections once their requests are done; later requests get a new one-shot pool each. */
  async close(): Promise<void> {
    this.#closed = true;
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.close().catch(() => undefined);
  }
}
