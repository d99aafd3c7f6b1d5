/**
 * Worker-thread side of the manifest fuzz test: parses mutated manifests one request at a time. The
 * parsers are synchronous, so they run here where a hang can be seen (and ended) from the test's thread.
 */
import { writeFileSync } from 'node:fs';
import { ManifestError, readManifest, type ManifestFormat } from '../../ingest/manifest.ts';
import { serveModel } from '../../lib/model-thread.ts';

export type ParseOutcome =
  | { kind: 'parsed'; entries: number; codes: string[]; wellFormed: boolean }
  | { kind: 'refused'; message: string }
  | { kind: 'crashed'; message: string };

serveModel<null, null>({
  load: async () => null,
  handle: async (_model, request) => {
    const path = request.path as string;
    writeFileSync(path, Buffer.from(request.bytes as ArrayBuffer));
    try {
      const { entries, issues } = readManifest(path, request.format as ManifestFormat);
      const wellFormed = entries.every(
        (e) =>
          typeof e.file === 'string' && e.file.length > 0 && Array.isArray(e.captions) && e.captions.every((c) => typeof c === 'string'),
      );
      return { kind: 'parsed', entries: entries.length, codes: [...new Set(issues.map((i) => i.code))], wellFormed } satisfies ParseOutcome;
    } catch (error) {
      if (error instanceof ManifestError) return { kind: 'refused', message: error.message } satisfies ParseOutcome;
      return {
        kind: 'crashed',
        message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      } satisfies ParseOutcome;
    }
  },
  dispose: async () => {},
});
