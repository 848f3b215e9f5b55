import type { Detector } from '../detector.ts';

// Placeholder until this scenario's detector lands: it finds nothing.
export const unschedulable: Detector<'unschedulable'> = {
  scenario: 'unschedulable',
  detect() {
    return null;
  },
};
