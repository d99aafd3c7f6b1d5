import { bookkeeping } from './proxies.ts';

/** reportWorkflow: (re)writes a run's HTML report from what PostgreSQL holds; `fusecap report RUN` starts it. */
export async function reportWorkflow({ runId }: { runId: string }): Promise<string> {
  return bookkeeping().writeRunReport({ runId });
}
