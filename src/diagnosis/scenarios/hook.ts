import type { Detector } from '../detector.ts';

// Placeholder until this scenario's detector lands: it finds nothing.
export const hook: Detector<'hook'> = {
  scenario: 'hook',
  detect() {
    return null;
  },
};
