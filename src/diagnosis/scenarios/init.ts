import type { Detector } from '../detector.ts';

// Placeholder until this scenario's detector lands: it finds nothing.
export const init: Detector<'init'> = {
  scenario: 'init',
  detect() {
    return null;
  },
};
