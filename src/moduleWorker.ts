/**
 * Starts a worker thread on a module next to the caller. Built code (dist/) loads the compiled
 * `.js` module; when running from the TypeScript sources (vitest, `npm run dev`), the thread loads
 * the `.ts` module through tsx. Used by the JetStream consumer thread and the state store's writer.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Transferable, Worker } from 'node:worker_threads';

/**
 * @param callerUrl the caller's `import.meta.url`
 * @param name the module's file name without extension, in the caller's directory
 */
export function startModuleWorker(callerUrl: string, name: string, workerData: unknown, transferList: readonly Transferable[] = []): Worker {
  const options = { workerData, transferList: [...transferList] };
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  // The ESM entry of tsx's API, as its package.json exports it (require.resolve gives the CommonJS one).
  const tsxPackage = createRequire(callerUrl).resolve('tsx/package.json');
  const exported = (JSON.parse(readFileSync(tsxPackage, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'];
  const tsx = pathToFileURL(join(dirname(tsxPackage), exported?.import.default ?? 'dist/esm/api/index.mjs')).href;
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(callerUrl)}))`;
  return new Worker(bootstrap, { ...options, eval: true });
}
