import { defineConfig } from "vitest/config";

// The CLI tests mostly wait on child processes: run the three files side by side even on two cores.
export default defineConfig({
  test: {
    maxWorkers: 3,
  },
});
