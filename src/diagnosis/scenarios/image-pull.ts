import type { Detector } from '../detector.ts';

// Placeholder until this scenario's detector lands: it finds nothing.
export const imagePull: Detector<'image-pull'> = {
  scenario: 'image-pull',
  detect() {
    return null;
  },
};
