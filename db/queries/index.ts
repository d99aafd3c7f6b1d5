export * from './datasets.ts';
export * from './captions.ts';
export * from './stage-results.ts';
export * from './runs.ts';
export * from './export.ts';
