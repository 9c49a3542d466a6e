/**
 * The platform's content security policy forbids eval. zod's object parsers would probe for it
 * when a schema is built (and fall back), reporting a violation each time; this turns the probe
 * off. Imported first by main.tsx, before any module that builds a schema.
 */
import { config } from 'zod';

config({ jitless: true });
