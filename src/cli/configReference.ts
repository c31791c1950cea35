import { EngineConfig } from '../../config/engine.js';

interface Node {
  readonly type?: string;
  readonly properties?: Record<string, Node>;
  readonly anyOf?: readonly { const?: unknown }[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly default?: unknown;
  readonly description?: string;
}

/** One row per leaf key of the configuration schema: dotted key, default, allowed values, meaning. */
export function configReference(): { key: string; default: string; allowed: string; description: string }[] {
  const rows: { key: string; default: string; allowed: string; description: string }[] = [];
  const walk = (node: Node, path: string[]) => {
    if (node.properties !== undefined) {
      for (const [name, child] of Object.entries(node.properties)) walk(child, [...path, name]);
      return;
    }
    const allowed =
      node.anyOf !== undefined
        ? node.anyOf.map((o) => String(o.const)).join(' \\| ')
        : node.minimum !== undefined || node.maximum !== undefined
          ? `${node.minimum ?? ''}–${node.maximum ?? ''}${node.type === 'integer' ? ' (integer)' : ''}`
          : (node.type ?? '');
    rows.push({ key: path.join('.'), default: JSON.stringify(node.default), allowed, description: node.description ?? '' });
  };
  walk(EngineConfig as unknown as Node, []);
  return rows;
}

/** The configuration reference as a Markdown table (the README embeds it). */
export function configReferenceMarkdown(): string {
  const lines = ['| key | default | allowed | meaning |', '|---|---|---|---|'];
  for (const row of configReference()) lines.push(`| \`${row.key}\` | \`${row.default}\` | ${row.allowed} | ${row.description} |`);
  return lines.join('\n');
}
