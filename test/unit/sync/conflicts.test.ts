import { defineConflictSuite } from './conflicts.suite';

defineConflictSuite('PGlite hub');
