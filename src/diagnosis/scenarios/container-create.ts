import type { Detector } from '../detector.ts';

// Placeholder until this scenario's detector lands: it finds nothing.
export const containerCreate: Detector<'container-create'> = {
  scenario: 'container-create',
  detect() {
    return null;
  },
};
