import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'templates', testTimeout: 60_000, hookTimeout: 60_000 },
});
