import { z } from 'zod';

/*
 * The CSP forbids eval. zod probes `new Function` when it builds an object schema (to compile a fast validator),
 * and the page reports that probe as a CSP violation. Turning the JIT off avoids the probe; the interpreted
 * validators are fast enough for our messages. Import this module first in every panel's main.ts: schemas built
 * before it runs would probe.
 */
z.config({ jitless: true });
