/**
 * The data files tests read: small copies of public peer inputs (ASTRA-sim, Chakra, SimAI) with their upstream
 * licenses, in the layout tests/fixtures/README.md describes. Tests read only these, never a sibling `shared`
 * directory, which a user's clone does not have (tests/fixtures.test.ts enforces it).
 */
import { join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
