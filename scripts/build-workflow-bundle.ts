/**
 * Bundles workflows/ once into a file, as Temporal's production sample does: the Docker image runs this at
 * build time and its workers load the file (FUSECAP_WORKFLOW_BUNDLE) instead of bundling on every start.
 *
 * Usage: node --import tsx scripts/build-workflow-bundle.ts [OUT]   (default dist/workflow-bundle.js)
 */
import { resolve } from 'node:path';
import { REPO_ROOT } from '../lib/paths.ts';
import { writeWorkflowBundle } from '../workers/workers.ts';

const out = resolve(process.argv[2] ?? resolve(REPO_ROOT, 'dist', 'workflow-bundle.js'));
const bytes = await writeWorkflowBundle(out);
console.log(`wrote ${out} (${(bytes / 1024).toFixed(0)} KiB)`);
