import { openPgliteFromTemplate } from '../../src/db/template';
import { sqlPortContract } from '../support/sqlPortContract';

sqlPortContract('PGlite in this thread', openPgliteFromTemplate);
