import type { Detector } from '../detector.ts';

// Placeholder until this scenario's detector lands: it finds nothing.
export const dependency: Detector<'dependency'> = {
  scenario: 'dependency',
  detect() {
    return null;
  },
};
