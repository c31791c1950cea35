import { EngineConfig } from '../../config/engine.js';

/** The parts of a config/engine.ts schema node that the loader and the reference read. */
export interface SchemaNode {
  readonly type?: string;
  readonly properties?: Record<string, SchemaNode>;
  readonly anyOf?: readonly { const?: unknown }[];
  readonly minimum?: number;
  readonly maximum?: number;
  /** What a string must look like, in words (a key with a `pattern` says it; config/engine.ts). */
  readonly allowed?: string;
  readonly default?: unknown;
  readonly description?: string;
}

const root = EngineConfig as unknown as SchemaNode;

/** The schema node at a dotted path (`sizing.method`), or null when there is no such key. */
export function schemaAt(path: string): SchemaNode | null {
  let node: SchemaNode | undefined = root;
  for (const part of path.split('.')) {
    // Own properties only: `__proto__` or `constructor` must not resolve through Object.prototype.
    const properties: Record<string, SchemaNode> | undefined = node?.properties;
    node = properties !== undefined && Object.hasOwn(properties, part) ? properties[part] : undefined;
    if (node === undefined) return null;
  }
  return node;
}

/** Every leaf key of the schema, in declaration order, with its dotted path. */
export function schemaLeaves(): { path: string; node: SchemaNode }[] {
  const leaves: { path: string; node: SchemaNode }[] = [];
  const walk = (node: SchemaNode, path: string[]) => {
    if (node.properties === undefined) leaves.push({ path: path.join('.'), node });
    else for (const [name, child] of Object.entries(node.properties)) walk(child, [...path, name]);
  };
  walk(root, []);
  return leaves;
}
