import { defineDiscardSuite } from './discard.suite';

defineDiscardSuite('PGlite hub');
