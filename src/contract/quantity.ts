/**
 * Kubernetes resource quantities as numbers, read the same way by the engine (requests, limits,
 * allocatable) and by the simulator (node capacity, the scheduler's fit). Pure.
 */

const BINARY_SUFFIXES: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL_SUFFIXES: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/**
 * A Kubernetes resource.Quantity as a number: cores for CPU ("250m" → 0.25), bytes for memory
 * ("512Mi" → 536870912). Returns null for anything that is not a quantity.
 */
export function parseQuantity(value: string | number | undefined | null): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return value;
  // Remembered: the engine reads the same few quantities (every node's allocatable, for each Pending Pod) over and over.
  let parsed = parsedQuantities.get(value);
  if (parsed === undefined) {
    parsed = parseQuantityText(value);
    if (parsedQuantities.size >= PARSED_QUANTITIES_MAX) parsedQuantities.clear();
    parsedQuantities.set(value, parsed);
  }
  return parsed;
}

const parsedQuantities = new Map<string, number | null>();
const PARSED_QUANTITIES_MAX = 4096;
const QUANTITY = /^([+-]?[0-9.]+)(?:[eE]([+-]?[0-9]+))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

function parseQuantityText(value: string): number | null {
  const match = QUANTITY.exec(value.trim());
  if (!match) return null;
  const base = Number(match[1]);
  if (Number.isNaN(base)) return null;
  const exponent = match[2] ? 10 ** Number(match[2]) : 1;
  const suffix = match[3] ?? '';
  const multiplier = BINARY_SUFFIXES[suffix] ?? DECIMAL_SUFFIXES[suffix] ?? 1;
  return base * exponent * multiplier;
}
