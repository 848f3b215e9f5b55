/**
 * unknown: the Pods' node stopped reporting.
 */
import { loseNodeAt } from '../controllers.ts';
import type { RecipesOf } from './recipe.ts';

export const unknownRecipes: RecipesOf<'unknown'> = {
  'unknown.node-lost': {
    cause: 'unknown.node-lost',
    category: 'aftermath',
    // Past the engine's NotReady threshold, before the 300 s unreachable toleration runs out.
    startedSecondsAgo: 150,
    ranSecondsBefore: 7200,
    dedicatedNode: true,
    aftermath(b) {
      loseNodeAt(b.state, b.workload.dedicatedNode ?? '', b.startedMs);
    },
    replacement: 'healthy',
    recover: 'restore-node',
  },
};
