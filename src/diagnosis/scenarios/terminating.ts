import type { Detector } from '../detector.ts';

// Placeholder until this scenario's detector lands: it finds nothing.
export const terminating: Detector<'terminating'> = {
  scenario: 'terminating',
  detect() {
    return null;
  },
};
