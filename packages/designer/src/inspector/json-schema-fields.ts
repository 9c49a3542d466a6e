/** The input fields of a connector operation, read from its JSON Schema. */

export interface SchemaField {
  name: string;
  title: string;
  description?: string;
  type: 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'unknown';
  required: boolean;
  enum?: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const knownTypes = ['string', 'number', 'integer', 'boolean', 'object', 'array'] as const;

function typeOf(schema: Record<string, unknown>): SchemaField['type'] {
  const declared: unknown = schema.type;
  // `["number", "null"]` (a nullable field) is edited as a number.
  const raw: unknown = Array.isArray(declared)
    ? declared.find((t: unknown) => t !== 'null')
    : declared;
  return knownTypes.find((t) => t === raw) ?? 'unknown';
}

/**
 * One entry per property of an object JSON Schema, in declaration order.
 *
 * ```ts
 * fieldsOfSchema({ type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] });
 * // [{ name: 'orderId', title: 'orderId', type: 'string', required: true }]
 * ```
 */
export function fieldsOfSchema(schema: unknown): SchemaField[] {
  if (!isRecord(schema) || !isRecord(schema.properties)) return [];
  const required = new Set(
    Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : [],
  );
  return Object.entries(schema.properties).map(([name, property]) => {
    const prop = isRecord(property) ? property : {};
    const values = Array.isArray(prop.enum) ? prop.enum.filter((v) => typeof v === 'string') : [];
    return {
      name,
      title: typeof prop.title === 'string' ? prop.title : name,
      ...(typeof prop.description === 'string' ? { description: prop.description } : {}),
      type: typeOf(prop),
      required: required.has(name),
      ...(values.length > 0 ? { enum: values } : {}),
    };
  });
}

/** Turns what the user typed into the JSON value the field's type expects. */
export function parseStaticValue(
  field: SchemaField,
  text: string,
): { ok: true; value: unknown } | { ok: false; error: string } {
  switch (field.type) {
    case 'number':
    case 'integer': {
      const n = Number(text);
      if (text.trim() === '' || Number.isNaN(n)) return { ok: false, error: 'Enter a number.' };
      if (field.type === 'integer' && !Number.isInteger(n))
        return { ok: false, error: 'Enter a whole number.' };
      return { ok: true, value: n };
    }
    case 'boolean':
      return { ok: true, value: text === 'true' };
    case 'object':
    case 'array':
      try {
        const value: unknown = JSON.parse(text);
        return { ok: true, value };
      } catch {
        return { ok: false, error: `Enter JSON (${field.type}).` };
      }
    case 'string':
    case 'unknown':
      return { ok: true, value: text };
  }
}

/** The text shown for a stored static value. */
export function formatStaticValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value);
}

/**
 * The input fields of a connector operation description: from its input JSON Schema
 * (`inputSchema`, or `input` as `describeConnector` names it), else from its field lists.
 */
export function inputFieldsOf(operation: unknown): SchemaField[] {
  if (!isRecord(operation)) return [];
  const schema = 'inputSchema' in operation ? operation.inputSchema : operation.input;
  const fromSchema = fieldsOfSchema(schema);
  if (fromSchema.length > 0) return fromSchema;
  const names = Array.isArray(operation.inputFields)
    ? operation.inputFields.filter((f) => typeof f === 'string')
    : [];
  const required = new Set(
    Array.isArray(operation.requiredInputs)
      ? operation.requiredInputs.filter((f) => typeof f === 'string')
      : [],
  );
  return names.map((name) => ({
    name,
    title: name,
    type: 'unknown',
    required: required.has(name),
  }));
}
