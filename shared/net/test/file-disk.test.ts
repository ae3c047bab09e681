import { describe, expect, it } from "vitest";
import { tempDirs } from "@faultline/testkit/temp-dir";
import { spawn } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FileDisk } from "../src/index.ts";

const fresh = tempDirs("faultline-disk-");

describe("FileDisk: the simulator's disk semantics over a real file", () => {
  it("keeps synced writes across a reopen and loses unsynced ones", () => {
    const dir = fresh();
    const a = new FileDisk(dir);
    a.write("term", 3);
    a.write("vote", "n2");
    a.sync();
    a.write("term", 4); // never synced: a SIGKILL now loses it
    a.delete("vote");
    expect(a.read("term")).toBe(4);
    expect(a.keys()).toEqual(["term"]);
    // no close(): the process "dies" here
    const b = new FileDisk(dir);
    expect(b.read("term")).toBe(3);
    expect(b.read("vote")).toBe("n2");
    b.close();
    a.close();
  });

  it("ignores a torn last record (a crash in the middle of an append)", () => {
    const dir = fresh();
    const a = new FileDisk(dir);
    a.write("x", 1);
    a.sync();
    a.close();
    appendFileSync(join(dir, "journal.ndjson"), '[["x","2"],["y"'); // half a record, no newline
    const b = new FileDisk(dir);
    expect(b.read("x")).toBe(1);
    expect(b.read("y")).toBeUndefined();
    b.close();
  });

  it("compacts a long journal into one snapshot without losing anything", () => {
    const dir = fresh();
    const a = new FileDisk(dir);
    const big = "x".repeat(10_000);
    for (let i = 0; i < 500; i++) {
      a.write(`k${i % 50}`, { i, big });
      a.sync();
    }
    a.close();
    const lines = readFileSync(join(dir, "journal.ndjson"), "utf8").trim().split("\n");
    expect(lines.length).toBeLessThan(500);
    const b = new FileDisk(dir);
    expect(b.keys().length).toBe(50);
    expect(b.read<{ i: number }>("k49")!.i).toBe(499);
    b.close();
  });

  it("refuses values a file cannot hold", () => {
    const d = new FileDisk(fresh());
    expect(() => d.write("f", () => 1)).toThrow(/not JSON-serializable/);
    expect(() => d.write("", 1)).toThrow(/non-empty/);
    d.close();
  });

  it("works under Node's permission model, which refuses fsync (node processes started by a grader run under it)", {
    timeout: 60_000,
  }, async () => {
    const dir = fresh();
    const writer = fileURLToPath(new URL("./fixtures/disk-writer.ts", import.meta.url));
    // As a grading process with real I/O runs (tsx needs a worker and esbuild a child process);
    // --permission from 22.13 on, Node 20 knows only the experimental flag.
    const permission = process.allowedNodeEnvironmentFlags.has("--permission")
      ? "--permission"
      : "--experimental-permission";
    const child = spawn(
      process.execPath,
      [
        permission,
        "--allow-worker",
        "--allow-child-process",
        "--allow-fs-read=*",
        `--allow-fs-write=${tmpdir()}/*`,
        "--no-warnings",
        "--import",
        "tsx",
        writer,
        dir,
        "500",
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const done = new Promise<void>((resolve) => child.stdout.on("data", () => out.includes("DONE") && resolve()));
    const first = await Promise.race([done.then(() => "done" as const), exited.then(() => "exited" as const)]);
    expect(first, `the writer died under the permission model:\n${err}`).toBe("done");
    child.kill("SIGKILL");
    await exited;
    const b = new FileDisk(dir);
    expect(b.keys().length).toBe(50);
    expect(b.read<{ i: number }>("k49")!.i).toBe(499);
    expect(b.read("unsynced")).toBeUndefined();
    b.close();
    // It compacted at least once (the rename path) on the way.
    expect(readFileSync(join(dir, "journal.ndjson"), "utf8").trim().split("\n").length).toBeLessThan(500);
  });
});
