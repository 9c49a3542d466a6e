import { z } from 'zod';

const cache = new WeakMap<z.ZodObject, readonly string[]>();

/**
 * Names of the config fields marked `.meta({ secret: true })`. Read from the JSON Schema zod
 * generates, which already looks through `.optional()`, `.default()` and friends.
 */
export function secretFieldsOf(config: z.ZodObject): readonly string[] {
  const cached = cache.get(config);
  if (cached) return cached;
  const properties =
    z.toJSONSchema(config, { io: 'input', unrepresentable: 'any' }).properties ?? {};
  const secrets = Object.entries(properties)
    .filter(([, property]) => typeof property === 'object' && property.secret === true)
    .map(([name]) => name);
  cache.set(config, Object.freeze(secrets));
  return secrets;
}

/** Every string inside the secret fields of a parsed config: what logs must never show. */
export function secretValuesOf(config: z.ZodObject, values: Record<string, unknown>): string[] {
  const out: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') out.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(collect);
  };
  for (const field of secretFieldsOf(config)) collect(values[field]);
  return out;
}
