import type { Detector } from '../detector.ts';

// Placeholder until this scenario's detector lands: it finds nothing.
export const readinessProbe: Detector<'readiness-probe'> = {
  scenario: 'readiness-probe',
  detect() {
    return null;
  },
};
