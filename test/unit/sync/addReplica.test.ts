import { defineAddReplicaSuite } from './addReplica.suite';

defineAddReplicaSuite('PGlite hub');
