// Starts a process as soon as it is loaded (to reach the servers' data directories, say).
import { execFileSync } from "node:child_process";

execFileSync("id");

export class FailoverController {}
