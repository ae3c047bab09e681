import { describe, it } from "vitest";
import { registerCourseChecks } from "@faultline/grading/vitest";
import { findBindir } from "../src/postgres.ts";

// Three real PostgreSQL servers per test: without the server binaries there is nothing to grade
// against (CI installs Debian's postgresql package; see .ci/run).
// Each mutant costs half a minute of real servers: CI checks them once, and its reruns under
// other Node lines (FAULTLINE_PGF_COURSE=no-mutants) the reference and the stubs only.
if (findBindir())
  await registerCourseChecks(new URL("../src/index.ts", import.meta.url), {
    mutants: process.env.FAULTLINE_PGF_COURSE !== "no-mutants",
  });
else
  describe.skip("pg-failover course checks: PostgreSQL's server binaries (initdb, pg_ctl, pg_rewind) were not found under /usr/lib/postgresql/<version>/bin or PG_BINDIR; install the postgresql package", () => {
    it("reference, stubs and mutants", () => {});
  });
