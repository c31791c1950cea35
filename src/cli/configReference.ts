import { schemaLeaves } from './configSchema.js';

/** One row per leaf key of the configuration schema: dotted key, default, allowed values, meaning. */
export function configReference(): { key: string; default: string; allowed: string; description: string }[] {
  return schemaLeaves().map(({ path, node }) => {
    const allowed =
      node.allowed !== undefined
        ? node.allowed
        : node.anyOf !== undefined
          ? node.anyOf.map((o) => String(o.const)).join(' \\| ')
          : node.minimum !== undefined || node.maximum !== undefined
            ? `${node.minimum ?? ''}–${node.maximum ?? ''}${node.type === 'integer' ? ' (integer)' : ''}`
            : (node.type ?? '');
    return { key: path, default: JSON.stringify(node.default), allowed, description: node.description ?? '' };
  });
}

/** The configuration reference as a Markdown table (the README embeds it). */
export function configReferenceMarkdown(): string {
  const lines = ['| key | default | allowed | meaning |', '|---|---|---|---|'];
  for (const row of configReference()) lines.push(`| \`${row.key}\` | \`${row.default}\` | ${row.allowed} | ${row.description} |`);
  return lines.join('\n');
}
