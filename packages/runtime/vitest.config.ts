import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'runtime',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // PGlite starts in about 1.5 s and serialises every query; 2-core CI machines need headroom.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
