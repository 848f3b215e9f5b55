import type { Detector } from '../detector.ts';

// Placeholder until this scenario's detector lands: it finds nothing.
export const livenessProbe: Detector<'liveness-probe'> = {
  scenario: 'liveness-probe',
  detect() {
    return null;
  },
};
