/** A stand-in model for the thread pool tests: answers each request with the id of the thread that served it. */
import { threadId } from 'node:worker_threads';
import { serveModel } from '../../lib/model-thread.ts';

interface Data {
  fail?: boolean;
}

serveModel<Data, Data>({
  load: async (data) => {
    if (data.fail) throw new Error('this stand-in model refuses to load');
    return data;
  },
  info: () => 'stand-in',
  handle: async (_model, request) => {
    // Busy for a while, like a model call, so concurrent requests overlap.
    const until = Date.now() + Number(request.ms ?? 0);
    while (Date.now() < until);
    return threadId;
  },
  dispose: async () => {},
});
