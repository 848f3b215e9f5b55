import type { Detector } from '../detector.ts';

// Placeholder until this scenario's detector lands: it finds nothing.
export const containerExit: Detector<'container-exit'> = {
  scenario: 'container-exit',
  detect() {
    return null;
  },
};
