import type { Detector } from '../detector.ts';

// Placeholder until this scenario's detector lands: it finds nothing.
export const evicted: Detector<'evicted'> = {
  scenario: 'evicted',
  detect() {
    return null;
  },
};
