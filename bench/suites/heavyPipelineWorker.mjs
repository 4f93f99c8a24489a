// Worker threads do not inherit the TypeScript loader the bench runs under: register it here,
// then load the worker itself.
import { register } from 'tsx/esm/api';

register();
await import('./heavyPipelineWorker.ts');
