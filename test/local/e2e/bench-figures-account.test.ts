/** The benchmark's per-onboarding figures in account mode (bench-figures.ts). */
import { describeBenchFigures } from './bench-figures';

describeBenchFigures('account');
