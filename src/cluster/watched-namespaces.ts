/**
 * A namespace in WATCH_NAMESPACES that does not exist is not an error to Kubernetes (it lists an empty namespace and a
 * missing one alike), so a misspelled entry would watch nothing, silently. The agent says so once per such entry after
 * its cache has synced (docs/troubleshooting.md, "Unknown namespace").
 */
import { closestNames } from './resolve-target.ts';

export interface MissingNamespace {
  namespace: string;
  /** Existing namespaces with a close name, nearest first (may be empty). */
  closest: string[];
  /** The warning, naming the entry and the close matches. */
  message: string;
}

/**
 * The watched namespaces that do not exist among `existing`, each with its closest existing names. `existing` null
 * (the Namespaces could not be read): nothing, since then nothing is known.
 */
export function missingWatchedNamespaces(watched: readonly string[], existing: readonly string[] | null): MissingNamespace[] {
  if (existing === null) return [];
  const known = new Set(existing);
  return [...new Set(watched)]
    .filter((namespace) => !known.has(namespace))
    .map((namespace) => {
      const closest = closestNames(namespace, existing, 3);
      const hint = closest.length > 0 ? ` (close: ${closest.join(', ')})` : '';
      return {
        namespace,
        closest,
        message: `WATCH_NAMESPACES names namespace "${namespace}", which does not exist on this cluster${hint}: nothing in it alerts until it is created; check the spelling`,
      };
    });
}
