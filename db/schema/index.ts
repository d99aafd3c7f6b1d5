export * from './datasets.ts';
export * from './stages.ts';
export * from './runs.ts';
