import type { Detector } from '../detector.ts';

// Placeholder until this scenario's detector lands: it finds nothing.
export const oom: Detector<'oom'> = {
  scenario: 'oom',
  detect() {
    return null;
  },
};
