import { defineEngineSuite } from './engine.suite';

defineEngineSuite('PGlite hub');
