import type { Detector } from '../detector.ts';

// Placeholder until this scenario's detector lands: it finds nothing.
export const unknown: Detector<'unknown'> = {
  scenario: 'unknown',
  detect() {
    return null;
  },
};
