import { afterAll } from 'vitest';
import { runFileCleanups } from './fileCleanup';

// A setup file: vitest runs it before every test file, in isolated and shared workers alike.
afterAll(runFileCleanups);
