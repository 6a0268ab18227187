/** The benchmark's per-onboarding figures in organization mode (bench-figures.ts). */
import { describeBenchFigures } from './bench-figures';

describeBenchFigures('organization');
