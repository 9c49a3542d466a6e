import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      'packages/shared',
      'packages/connectors-sdk',
      'packages/runtime',
      'packages/designer',
      'templates',
    ],
  },
});
